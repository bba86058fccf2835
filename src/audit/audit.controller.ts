import { Controller, Get, HttpStatus, Inject, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Readable } from 'node:stream';
import { AuditGuard } from '../platform/auth/admin.guard';
import { assertPlatformAdmin, notFound } from '../platform/auth/company-scope';
import { Context, RequestContext } from '../platform/auth/request-context';
import { verifyChain } from '../platform/event-store/event-chain';
import { EventStore } from '../platform/event-store/event-store';
import { formatPosition } from '../platform/event-store/position';
import { ADMIN_SECURITY } from '../platform/http/openapi';
import { ProblemException } from '../platform/http/problem-details';
import { STORED_EVENTS } from '../platform/personal-data/personal-data-event-store';
import { ActiveTokensQuery, AsOf, AsOfQuery } from './as-of';
import { PointInTime } from './point-in-time';
import { AuditEvents, toAuditItem } from './audit-events';
import { AuditEventsQuery } from './audit-filter';
import { AuditTrailReads } from './audit-trail-read';
import { AuditVerification } from './audit-verification';
import { AuditCheckpoints } from './checkpoints';
import { ExportQuery, exportLines } from './audit-export';

/**
 * The audit trail for compliance reviewers, read from the event store itself. The platform admin
 * sees everything; an `audit:read` token only its company's events. Every read is recorded.
 */
@Controller('api/admin/audit')
@UseGuards(AuditGuard)
@ApiTags('audit')
@ApiBearerAuth(ADMIN_SECURITY)
export class AuditController {
  constructor(
    private readonly auditEvents: AuditEvents,
    private readonly events: EventStore,
    @Inject(STORED_EVENTS) private readonly stored: EventStore,
    private readonly verification: AuditVerification,
    private readonly reads: AuditTrailReads,
    private readonly asOf: AsOf,
    private readonly checkpoints: AuditCheckpoints,
    private readonly pointInTime: PointInTime,
  ) {}

  @Get('events')
  async list(@Query() query: AuditEventsQuery, @Context() context: RequestContext) {
    const page = await this.auditEvents.page(query, context.companyScope);
    await this.reads.record(context, 'events', query, page.items.length);
    return page;
  }

  /** One aggregate's whole history, with its hash chain checked. */
  @Get('streams/:stream')
  async stream(@Param('stream') stream: string, @Context() context: RequestContext) {
    const history = await this.events.readStream(stream);
    const visible =
      context.companyScope === undefined || history.some((event) => event.metadata.companyId === context.companyScope);
    if (history.length === 0 || !visible) throw notFound('stream', stream);
    // The chain covers the events as stored, personal values sealed; the items show them opened.
    const sealed = await this.stored.readStream(stream);
    const breaks = verifyChain(sealed).map((found) => ({ ...found, position: formatPosition(found.position) }));
    const items = history.filter(
      (event) => context.companyScope === undefined || event.metadata.companyId === context.companyScope,
    );
    await this.reads.record(context, 'stream', { stream }, items.length);
    return { stream, items: items.map(toAuditItem), chain: { ok: breaks.length === 0, breaks } };
  }

  /** Streamed as NDJSON (or CSV with `format=csv`), page by page: constant memory, resumable with `after`. */
  @Get('export')
  async export(
    @Query() query: ExportQuery,
    @Context() context: RequestContext,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.reads.record(context, 'export', query, null);
    const csv = query.format === 'csv';
    reply
      .header('Content-Type', csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson')
      .header('Content-Disposition', `attachment; filename="audit.${csv ? 'csv' : 'ndjson'}"`)
      .header('Cache-Control', 'no-store');
    await reply.send(Readable.from(exportLines(this.auditEvents.scan(query, context.companyScope), csv)));
  }

  /** A user as they stood at `at`: company, role, status, agents, default agent, chat settings. */
  @Get('users/:userId/as-of')
  async userAsOf(@Param('userId') userId: string, @Query() query: AsOfQuery, @Context() context: RequestContext) {
    const answer = await this.asOf.user(userId, query.at, context.companyScope);
    await this.reads.record(context, 'user-as-of', { userId, at: query.at }, 1);
    return answer;
  }

  /** A client as it stood at `at`: status, redirect URIs. */
  @Get('clients/:clientId/as-of')
  async clientAsOf(@Param('clientId') clientId: string, @Query() query: AsOfQuery, @Context() context: RequestContext) {
    const answer = await this.asOf.client(clientId, query.at, context.companyScope);
    await this.reads.record(context, 'client-as-of', { clientId, at: query.at }, 1);
    return answer;
  }

  /** Which users could use the agent at `at`. */
  @Get('agents/:agentId/access')
  async agentAccess(@Param('agentId') agentId: string, @Query() query: AsOfQuery, @Context() context: RequestContext) {
    const answer = await this.pointInTime.agentAccess(agentId, query.at, context.companyScope);
    await this.reads.record(context, 'agent-access', { agentId, at: query.at }, answer.users.length);
    return answer;
  }

  /** Grants with an access token live at `at`, for a client or a user. */
  @Get('tokens/active')
  async activeTokens(@Query() query: ActiveTokensQuery, @Context() context: RequestContext) {
    if (!query.clientId && !query.userId) {
      throw new ProblemException(HttpStatus.BAD_REQUEST, 'name a clientId or a userId', 'missing_holder');
    }
    const grants = await this.pointInTime.liveTokens(query.at, query, context.companyScope);
    await this.reads.record(context, 'tokens-active', { ...query }, grants.length);
    return { at: query.at, grants };
  }

  /** Seals everything recorded since the last checkpoint with a signed running hash (also done periodically). */
  @Post('checkpoints')
  async checkpoint(@Context() context: RequestContext, @Res({ passthrough: true }) reply: FastifyReply) {
    assertPlatformAdmin(context);
    const checkpoint = await this.checkpoints.create(context);
    reply.status(checkpoint ? 201 : 200);
    return checkpoint ?? { detail: 'nothing recorded since the last checkpoint' };
  }

  /**
   * The newest signed checkpoint, what a reviewer checks a copy of the log against. The platform
   * administrator's alone, as checkpoints cover every company.
   */
  @Get('checkpoints/latest')
  async latestCheckpoint(@Context() context: RequestContext) {
    assertPlatformAdmin(context);
    const latest = (await this.checkpoints.all()).at(-1);
    await this.reads.record(context, 'checkpoints-latest', {}, latest ? 1 : 0);
    if (!latest) throw new ProblemException(HttpStatus.NOT_FOUND, 'no checkpoint recorded yet', 'no_checkpoint');
    return latest;
  }

  /** Checks every stream's hash chain; the platform administrator's alone (it reads every company). */
  @Get('verify')
  async verify(@Context() context: RequestContext) {
    assertPlatformAdmin(context);
    const report = await this.verification.verify();
    await this.reads.record(context, 'verify', {}, report.events);
    return report;
  }
}
