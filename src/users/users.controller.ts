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
  Patch,
  PipeTransform,
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
import { assertWithinScope, scopedCompanyFilter } from '../platform/auth/company-scope';
import { ADMIN_SECURITY } from '../platform/http/openapi';
import { Context, RequestContext } from '../platform/auth/request-context';
import { Position } from '../platform/event-store/position';
import { ifMatchRevision, setETag } from '../platform/http/etag';
import { pageOf } from '../platform/http/paging.dto';
import { ProblemException } from '../platform/http/problem-details';
import { ReadYourWrites } from '../platform/projections/read-your-writes';
import { ReadModels } from '../platform/read-store/read-models';
import { ChangeUser, UserChange } from './change-user.handler';
import { RegisterUser } from './register-user.handler';
import { ChangeUserActivation } from './user-activation.handler';
import {
  AgentReferenceBody,
  ChangeUserBody,
  ChatSettingsBody,
  ListUsersQuery,
  RegisterUserBody,
  toUserResponse,
} from './user.dto';
import { USER_ID_PATTERN } from './user.decider';
import { USERS, usersProjection, UserView } from './user.projection';

/** A `:userId` path segment must be a well-formed AIRisk userid. */
class UserIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!USER_ID_PATTERN.test(value))
      throw new ProblemException(HttpStatus.BAD_REQUEST, 'not a userid', 'invalid_user_id');
    return value;
  }
}

const userId = new UserIdPipe();
const uuid = new ParseUUIDPipe({ version: '4' });

@Controller('api/admin/users')
@UseGuards(AdminGuard)
@ApiTags('users')
@ApiBearerAuth(ADMIN_SECURITY)
export class UsersController {
  constructor(
    private readonly commands: CommandBus,
    private readonly readModels: ReadModels,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  @Post()
  async register(
    @Body() body: RegisterUserBody,
    @Context() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    assertWithinScope(context, body.companyId, 'company', body.companyId);
    const { id, ...rest } = body;
    const { userId: created, position } = await this.commands.execute(
      new RegisterUser({ userId: id, ...rest }, context),
    );
    reply.header('Location', `/api/admin/users/${encodeURIComponent(created)}`);
    return this.answer(reply, created, position, HttpStatus.CREATED);
  }

  @Get()
  async list(@Query() query: ListUsersQuery, @Context() context: RequestContext) {
    const page = await this.readModels.page<UserView>(
      USERS,
      {
        ...scopedCompanyFilter(context, query.companyId),
        ...(query.email ? { emailKey: query.email.trim().toLowerCase() } : {}),
      },
      query,
    );
    return pageOf(page, toUserResponse);
  }

  @Get(':userId')
  async get(
    @Param('userId', userId) id: string,
    @Context() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const user = await this.readModels.requireWithin<UserView>(USERS, id, 'user', context);
    setETag(reply, user.revision);
    return toUserResponse(user);
  }

  @Patch(':userId')
  change(
    @Param('userId', userId) id: string,
    @Body() body: ChangeUserBody,
    @Context() context: RequestContext,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    if (body.firstName === undefined && body.lastName === undefined && body.role === undefined) {
      throw new ProblemException(
        HttpStatus.BAD_REQUEST,
        'nothing to change: send firstName, lastName and/or role',
        'empty_change',
      );
    }
    return this.applyChange(reply, id, { type: 'ChangeUser', ...body }, context, ifMatchRevision(ifMatch));
  }

  @Post(':userId/agents')
  @HttpCode(HttpStatus.OK)
  grant(
    @Param('userId', userId) id: string,
    @Body() body: AgentReferenceBody,
    @Context() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.applyChange(reply, id, { type: 'GrantAgent', agentId: body.agentId }, context);
  }

  @Delete(':userId/agents/:agentId')
  revoke(
    @Param('userId', userId) id: string,
    @Param('agentId', uuid) agentId: string,
    @Context() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.applyChange(reply, id, { type: 'RevokeAgent', agentId }, context);
  }

  @Put(':userId/default-agent')
  setDefaultAgent(
    @Param('userId', userId) id: string,
    @Body() body: AgentReferenceBody,
    @Context() context: RequestContext,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.applyChange(
      reply,
      id,
      { type: 'SetDefaultAgent', agentId: body.agentId },
      context,
      ifMatchRevision(ifMatch),
    );
  }

  @Put(':userId/chat-settings')
  changeChatSettings(
    @Param('userId', userId) id: string,
    @Body() body: ChatSettingsBody,
    @Context() context: RequestContext,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.applyChange(reply, id, { type: 'ChangeChatSettings', ...body }, context, ifMatchRevision(ifMatch));
  }

  @Post(':userId/deactivate')
  @HttpCode(HttpStatus.OK)
  deactivate(
    @Param('userId', userId) id: string,
    @Context() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.activation(reply, id, false, context);
  }

  @Post(':userId/reactivate')
  @HttpCode(HttpStatus.OK)
  reactivate(
    @Param('userId', userId) id: string,
    @Context() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.activation(reply, id, true, context);
  }

  private async applyChange(
    reply: FastifyReply,
    id: string,
    change: UserChange,
    context: RequestContext,
    ifRevision?: number,
  ) {
    await this.readModels.requireWithin<UserView>(USERS, id, 'user', context);
    const { position } = await this.commands.execute(new ChangeUser(id, change, context, ifRevision));
    return this.answer(reply, id, position, HttpStatus.OK);
  }

  private async activation(reply: FastifyReply, id: string, active: boolean, context: RequestContext) {
    await this.readModels.requireWithin<UserView>(USERS, id, 'user', context);
    const { position } = await this.commands.execute(new ChangeUserActivation(id, active, context));
    return this.answer(reply, id, position, HttpStatus.OK);
  }

  private answer(reply: FastifyReply, id: string, position: Position | undefined, status: number) {
    return this.readYourWrites.answer(reply, {
      projection: usersProjection.name,
      position,
      status,
      load: () => this.readModels.get<UserView>(USERS, id),
      present: toUserResponse,
      accepted: { id },
    });
  }
}
