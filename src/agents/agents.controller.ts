import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  HttpStatus,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AdminGuard } from '../platform/auth/admin.guard';
import { assertWithinScope } from '../platform/auth/company-scope';
import { ADMIN_SECURITY } from '../platform/http/openapi';
import { Context, RequestContext } from '../platform/auth/request-context';
import { Position } from '../platform/event-store/position';
import { ifMatchRevision, setETag } from '../platform/http/etag';
import { PageQuery, pageOf } from '../platform/http/paging.dto';
import { ProblemException } from '../platform/http/problem-details';
import { ReadYourWrites } from '../platform/projections/read-your-writes';
import { ReadModels } from '../platform/read-store/read-models';
import { MAX_MESSAGES_RANGE, TEMPERATURE_RANGE } from './agent.decider';
import { ChangeAgentBody, RegisterAgentBody, toAgentResponse } from './agent.dto';
import { AGENTS, agentsProjection, AgentView } from './agent.projection';
import { ChangeAgent } from './change-agent.handler';
import { RegisterAgent } from './register-agent.handler';

const uuid = new ParseUUIDPipe({ version: '4' });

@Controller('api/admin')
@UseGuards(AdminGuard)
@ApiTags('agents')
@ApiBearerAuth(ADMIN_SECURITY)
export class AgentsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly readModels: ReadModels,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  @Post('companies/:companyId/agents')
  async register(
    @Param('companyId', uuid) companyId: string,
    @Body() body: RegisterAgentBody,
    @Context() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const settings = {
      name: body.name,
      maxMessages: body.maxMessages ?? MAX_MESSAGES_RANGE.default,
      temperature: body.temperature ?? TEMPERATURE_RANGE.default,
    };
    const { agentId, position } = await this.commands.execute(new RegisterAgent(companyId, settings, context));
    reply.header('Location', `/api/admin/agents/${agentId}`);
    return this.answer(reply, agentId, position, HttpStatus.CREATED);
  }

  @Get('companies/:companyId/agents')
  async list(
    @Param('companyId', uuid) companyId: string,
    @Query() query: PageQuery,
    @Context() context: RequestContext,
  ) {
    assertWithinScope(context, companyId, 'company', companyId);
    const page = await this.readModels.page<AgentView>(AGENTS, { companyId }, query);
    return pageOf(page, toAgentResponse);
  }

  @Get('agents/:agentId')
  async get(
    @Param('agentId', uuid) agentId: string,
    @Context() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const agent = await this.readModels.requireWithin<AgentView>(AGENTS, agentId, 'agent', context);
    setETag(reply, agent.revision);
    return toAgentResponse(agent);
  }

  @Patch('agents/:agentId')
  async change(
    @Param('agentId', uuid) agentId: string,
    @Body() body: ChangeAgentBody,
    @Context() context: RequestContext,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    if (body.name === undefined && body.maxMessages === undefined && body.temperature === undefined) {
      throw new ProblemException(
        HttpStatus.BAD_REQUEST,
        'nothing to change: send name, maxMessages and/or temperature',
        'empty_change',
      );
    }
    const change = new ChangeAgent(
      agentId,
      { type: 'ChangeAgentSettings', ...body },
      context,
      ifMatchRevision(ifMatch),
    );
    const { position } = await this.commands.execute(change);
    return this.answer(reply, agentId, position, HttpStatus.OK);
  }

  @Post('agents/:agentId/retire')
  @HttpCode(HttpStatus.OK)
  async retire(
    @Param('agentId', uuid) agentId: string,
    @Context() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { position } = await this.commands.execute(new ChangeAgent(agentId, { type: 'RetireAgent' }, context));
    return this.answer(reply, agentId, position, HttpStatus.OK);
  }

  private answer(reply: FastifyReply, agentId: string, position: Position | undefined, status: number) {
    return this.readYourWrites.answer(reply, {
      projection: agentsProjection.name,
      position,
      status,
      load: () => this.readModels.get<AgentView>(AGENTS, agentId),
      present: toAgentResponse,
      accepted: { agentId },
    });
  }
}
