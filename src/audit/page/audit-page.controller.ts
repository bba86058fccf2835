import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, Headers, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AUDIT_PAGE_CSS, AUDIT_PAGE_ICON } from './audit-page.css';
import { AUDIT_PAGE_HTML } from './audit-page.html';

/** A file of the page, held in memory with its strong validator. */
interface Asset {
  readonly body: string;
  readonly contentType: string;
  readonly etag: string;
}

function asset(body: string, contentType: string): Asset {
  return { body, contentType, etag: `"${createHash('sha256').update(body).digest('base64url')}"` };
}

/**
 * The browser script, beside this file in the sources (specs) and in dist (the build copies
 * JavaScript as it is, `allowJs`); its source-map comment is dropped, as the map is not served.
 */
const SCRIPT = readFileSync(join(__dirname, 'audit-page.browser.js'), 'utf8').replace(
  /^\/\/# sourceMappingURL=.*$/m,
  '',
);

const PAGE = asset(AUDIT_PAGE_HTML, 'text/html; charset=utf-8');
const STYLE = asset(AUDIT_PAGE_CSS, 'text/css; charset=utf-8');
const APP = asset(SCRIPT, 'text/javascript; charset=utf-8');
const ICON = asset(AUDIT_PAGE_ICON, 'image/svg+xml');

/**
 * The audit web page: four static files, served by the service itself under the page's own CSP
 * (`security-headers.ts`). They hold no data and need no credential: the page signs in against
 * the audit API, which decides what each credential may read. Revalidated on every use (`no-cache`
 * with a strong ETag): a new version shows at once, an unchanged one costs a `304`.
 */
@Controller('audit')
@ApiExcludeController()
export class AuditPageController {
  @Get()
  page(@Headers('if-none-match') ifNoneMatch: string | undefined, @Res() reply: FastifyReply) {
    return send(reply, PAGE, ifNoneMatch);
  }

  @Get('app.css')
  style(@Headers('if-none-match') ifNoneMatch: string | undefined, @Res() reply: FastifyReply) {
    return send(reply, STYLE, ifNoneMatch);
  }

  @Get('app.js')
  script(@Headers('if-none-match') ifNoneMatch: string | undefined, @Res() reply: FastifyReply) {
    return send(reply, APP, ifNoneMatch);
  }

  @Get('icon.svg')
  icon(@Headers('if-none-match') ifNoneMatch: string | undefined, @Res() reply: FastifyReply) {
    return send(reply, ICON, ifNoneMatch);
  }
}

function send(reply: FastifyReply, file: Asset, ifNoneMatch: string | undefined): FastifyReply {
  reply.header('ETag', file.etag).header('Cache-Control', 'no-cache');
  // RFC 9110 §13.1.2: a list of entity tags, or `*`; weak comparison.
  const tags = (ifNoneMatch ?? '').split(',').map((tag) => tag.trim().replace(/^W\//, ''));
  if (tags.includes(file.etag) || tags.includes('*')) return reply.status(304).send();
  return reply.header('Content-Type', file.contentType).send(file.body);
}
