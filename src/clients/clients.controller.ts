import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  HttpStatus,
  Param,
  ParseUUIDPipe,
  Post,
  Put,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AdminGuard } from '../platform/auth/admin.guard';
import { scopedCompanyFilter } from '../platform/auth/company-scope';
import { ADMIN_SECURITY } from '../platform/http/openapi';
import { Context, RequestContext } from '../platform/auth/request-context';
import { Position } from '../platform/event-store/position';
import { ifMatchRevision, setETag } from '../platform/http/etag';
import { pageOf } from '../platform/http/paging.dto';
import { ReadYourWrites } from '../platform/projections/read-your-writes';
import { ReadModels } from '../platform/read-store/read-models';
import { ChangeClient, ClientChange } from './change-client.handler';
import {
  ListClientsQuery,
  PkceRequirementBody,
  RedirectUriBody,
  RedirectUriQuery,
  RegisterClientBody,
  toClientResponse,
} from './client.dto';
import { CLIENTS, clientsProjection, ClientView } from './client.projection';
import { RegisterClient } from './register-client.handler';
import { RotateClientSecret } from './rotate-client-secret.handler';

const uuid = new ParseUUIDPipe({ version: '4' });

/** Admin routes for clients (AIRisk APIUsers). The secret appears in the answer that creates or rotates it, and nowhere else. */
@Controller('api/admin/clients')
@UseGuards(AdminGuard)
@ApiTags('clients')
@ApiBearerAuth(ADMIN_SECURITY)
export class ClientsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly readModels: ReadModels,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  @Post()
  async register(
    @Body() body: RegisterClientBody,
    @Context() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { type = 'confidential', ...fields } = body;
    // User tokens are on by default for confidential clients only (see the client decider).
    const registration = { allowUserTokens: type === 'confidential', scopes: [], ...fields, clientType: type };
    const { clientId, clientSecret, position } = await this.commands.execute(new RegisterClient(registration, context));
    reply.header('Location', `/api/admin/clients/${clientId}`).header('Cache-Control', 'no-store');
    const answer = await this.answer(reply, clientId, position, HttpStatus.CREATED);
    return { ...answer, clientSecret };
  }

  @Get()
  async list(@Query() query: ListClientsQuery, @Context() context: RequestContext) {
    const page = await this.readModels.page<ClientView>(CLIENTS, scopedCompanyFilter(context, query.companyId), query);
    return pageOf(page, toClientResponse);
  }

  @Get(':clientId')
  async get(
    @Param('clientId', uuid) clientId: string,
    @Context() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const client = await this.readModels.requireWithin<ClientView>(CLIENTS, clientId, 'client', context);
    setETag(reply, client.revision);
    return toClientResponse(client);
  }

  @Post(':clientId/redirect-uris')
  @HttpCode(HttpStatus.OK)
  addRedirectUri(
    @Param('clientId', uuid) clientId: string,
    @Body() body: RedirectUriBody,
    @Context() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.change(reply, clientId, { type: 'AddRedirectUri', uri: body.uri }, context);
  }

  @Delete(':clientId/redirect-uris')
  removeRedirectUri(
    @Param('clientId', uuid) clientId: string,
    @Query() query: RedirectUriQuery,
    @Context() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.change(reply, clientId, { type: 'RemoveRedirectUri', uri: query.uri }, context);
  }

  @Post(':clientId/secret')
  async rotateSecret(
    @Param('clientId', uuid) clientId: string,
    @Context() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    reply.header('Cache-Control', 'no-store');
    const { position, clientSecret } = await this.commands.execute(new RotateClientSecret(clientId, context));
    return { ...(await this.answer(reply, clientId, position, HttpStatus.OK)), clientSecret };
  }

  @Post(':clientId/disable')
  disable(
    @Param('clientId', uuid) clientId: string,
    @Context() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.change(reply, clientId, { type: 'DisableClient' }, context);
  }

  @Post(':clientId/enable')
  enable(
    @Param('clientId', uuid) clientId: string,
    @Context() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.change(reply, clientId, { type: 'EnableClient' }, context);
  }

  /** Whether the client must send an S256 `code_challenge` (RFC 7636 §4.4.1); public clients always must. */
  @Put(':clientId/pkce')
  setPkceRequirement(
    @Param('clientId', uuid) clientId: string,
    @Body() body: PkceRequirementBody,
    @Context() context: RequestContext,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const change: ClientChange = { type: 'SetPkceRequirement', requirePkce: body.requirePkce };
    return this.change(reply, clientId, change, context, ifMatchRevision(ifMatch));
  }

  private async change(
    reply: FastifyReply,
    clientId: string,
    change: ClientChange,
    context: RequestContext,
    ifRevision?: number,
  ) {
    const { position } = await this.commands.execute(new ChangeClient(clientId, change, context, ifRevision));
    return this.answer(reply, clientId, position, HttpStatus.OK);
  }

  private answer(reply: FastifyReply, clientId: string, position: Position | undefined, status: number) {
    return this.readYourWrites.answer(reply, {
      projection: clientsProjection.name,
      position,
      status,
      load: () => this.readModels.get<ClientView>(CLIENTS, clientId),
      present: toClientResponse,
      accepted: { clientId },
    });
  }
}
