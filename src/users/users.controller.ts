import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  HttpStatus,
  Param,
  Patch,
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
import { Context, RequestContext } from '../platform/auth/request-context';
import { ifMatchRevision, setETag } from '../platform/http/etag';
import { ADMIN_SECURITY } from '../platform/http/openapi';
import { pageOf } from '../platform/http/paging.dto';
import { ProblemException } from '../platform/http/problem-details';
import { ReadModels } from '../platform/read-store/read-models';
import { ReadStore } from '../platform/read-store/read-store';
import { ChangeUser, ChangeUserChatSettings } from './change-user.handler';
import { EraseUser } from './erase-user.handler';
import { RegisterUser } from './register-user.handler';
import { DeactivateUser, ReactivateUser } from './user-activation.handler';
import {
  ChangeUserBody,
  ChatSettingsBody,
  EraseUserBody,
  ListUsersQuery,
  RegisterUserBody,
  toUserResponse,
} from './user.dto';
import { userIdPipe, UserReplies } from './user-http';
import { USERS, UserView } from './user.projection';

/** Users, their profile, chat settings and activation; their agents have a controller of their own. */
@Controller('api/admin/users')
@UseGuards(AdminGuard)
@ApiTags('users')
@ApiBearerAuth(ADMIN_SECURITY)
export class UsersController {
  constructor(
    private readonly commands: CommandBus,
    private readonly readModels: ReadModels,
    private readonly replies: UserReplies,
    private readonly reads: ReadStore,
  ) {}

  @Post()
  async register(
    @Body() { id, ...body }: RegisterUserBody,
    @Context() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { userId, position } = await this.commands.execute(new RegisterUser({ userId: id, ...body }, context));
    reply.header('Location', `/api/admin/users/${encodeURIComponent(userId)}`);
    return this.replies.answer(reply, userId, position, HttpStatus.CREATED);
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
    @Param('userId', userIdPipe) id: string,
    @Context() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const user = await this.readModels.requireWithin<UserView>(USERS, id, 'user', context);
    setETag(reply, user.revision);
    return toUserResponse(user);
  }

  @Patch(':userId')
  change(
    @Param('userId', userIdPipe) userId: string,
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
    return this.replies.write(reply, new ChangeUser({ userId, ...body }, context, ifMatchRevision(ifMatch)));
  }

  @Put(':userId/chat-settings')
  changeChatSettings(
    @Param('userId', userIdPipe) userId: string,
    @Body() body: ChatSettingsBody,
    @Context() context: RequestContext,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const write = new ChangeUserChatSettings({ userId, ...body }, context, ifMatchRevision(ifMatch));
    return this.replies.write(reply, write);
  }

  @Post(':userId/deactivate')
  @HttpCode(HttpStatus.OK)
  deactivate(
    @Param('userId', userIdPipe) userId: string,
    @Context() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.replies.write(reply, new DeactivateUser({ userId }, context));
  }

  @Post(':userId/reactivate')
  @HttpCode(HttpStatus.OK)
  reactivate(
    @Param('userId', userIdPipe) userId: string,
    @Context() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.replies.write(reply, new ReactivateUser({ userId }, context));
  }

  /**
   * Erases the user's personal data (README, "Personal data and erasure"): their tokens end, seat
   * and email are given back, their key is deleted; what was recorded about them stays, with
   * `[erased]` for every personal value. Answers the user as the read model now shows it.
   */
  @Post(':userId/erase')
  @HttpCode(HttpStatus.OK)
  async erase(
    @Param('userId', userIdPipe) userId: string,
    @Body() { reason }: EraseUserBody,
    @Context() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const answer = await this.replies.write(reply, new EraseUser({ userId, reason }, context));
    // The answer waited for the users read model to blank the user: now its former rows leave
    // the read store's log too (past the wait, the erasure reconciler does it once they show).
    await this.reads.scrub();
    return answer;
  }
}
