import { Controller, Get, HttpStatus, Query, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig } from '../../config/app-config';
import { Grants } from '../../grants/grants';
import { eventMetadata } from '../../platform/auth/request-context';
import { hashSecret } from '../../platform/crypto/secrets';
import { StoreUnavailableError } from '../../platform/store-unavailable';
import { ProblemException } from '../../platform/http/problem-details';
import { LiveViewRunner } from '../../platform/projections/live-view-runner';
import { clientContext } from '../client-context';
import { OAuthError } from '../oauth-error';
import { RawParameters } from '../parameters';
import { SecurityView } from '../security-view';
import { newGrantId, newOpaqueToken } from '../tokens/opaque-tokens';
import { authorizationRequest, RedirectTarget, redirectTarget } from './authorization-request';

/**
 * The authorization endpoint, AIRisk-shaped (RFC 6749 §4.1.1): no login or consent page; a valid
 * client, redirect URI and (optionally) `userid` are enough. Success and most errors are a `302` to
 * the redirect URI carrying `state` and `iss` (RFC 9207).
 */
@Controller('api/oauth2')
@ApiTags('oauth')
export class AuthorizeController {
  constructor(
    private readonly view: SecurityView,
    private readonly grants: Grants,
    private readonly config: AppConfig,
    private readonly liveViews: LiveViewRunner,
  ) {}

  @Get()
  async authorize(
    @Query() query: RawParameters,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (!this.liveViews.isLive()) {
      throw new ProblemException(
        HttpStatus.SERVICE_UNAVAILABLE,
        'the server is catching up; retry shortly',
        'temporarily_unavailable',
      );
    }
    const target = redirectTarget(this.view, query);
    let authorization;
    try {
      authorization = authorizationRequest(this.view, target, query);
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      return this.redirect(reply, target, { error: error.error, error_description: error.description });
    }
    const { client, redirectUri, userId, scope, codeChallenge } = authorization;
    const now = new Date();
    const grantId = newGrantId();
    const code = newOpaqueToken(grantId);
    const expiresAt = new Date(now.getTime() + this.config.authorizationCodeTtlSeconds * 1000);
    const subject = { grantId, clientId: client.clientId, companyId: client.companyId, userId, scope };
    try {
      await this.grants.start(
        grantId,
        {
          type: 'IssueCode',
          ...subject,
          redirectUri,
          codeHash: hashSecret(code),
          codeChallenge,
          now: now.toISOString(),
          expiresAt: expiresAt.toISOString(),
        },
        eventMetadata(clientContext(request, client.clientId), now, client.companyId),
      );
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      // The client and redirect URI are known good, so RFC 6749 §4.1.2.1 answers through it; the
      // code was not recorded (or its outcome is unknown), so it is never handed out.
      return this.redirect(reply, target, {
        error: 'temporarily_unavailable',
        error_description: 'the authorization cannot be recorded now; retry shortly',
      });
    }
    return this.redirect(reply, target, { code });
  }

  /** RFC 6749 §4.1.2: parameters are added to the redirect URI's query, keeping what it has. */
  private redirect(reply: FastifyReply, target: RedirectTarget, parameters: Record<string, string>): void {
    const location = new URL(target.redirectUri);
    for (const [name, value] of Object.entries(parameters)) location.searchParams.append(name, value);
    if (target.state !== undefined) location.searchParams.append('state', target.state);
    location.searchParams.append('iss', this.config.issuer);
    void reply
      .status(HttpStatus.FOUND)
      .header('Location', location.toString())
      .header('Cache-Control', 'no-store')
      .send();
  }
}
