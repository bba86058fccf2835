import {
  Body,
  Controller,
  Delete,
  Headers,
  HttpCode,
  HttpStatus,
  Param,
  ParseUUIDPipe,
  Post,
  Put,
  Res,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AdminGuard } from '../platform/auth/admin.guard';
import { Context, RequestContext } from '../platform/auth/request-context';
import { ifMatchRevision } from '../platform/http/etag';
import { ADMIN_SECURITY } from '../platform/http/openapi';
import { AgentReferenceBody } from './user.dto';
import { GrantUserAgent, RevokeUserAgent, SetUserDefaultAgent } from './user-agents.handler';
import { userIdPipe, UserReplies } from './user-http';

const uuid = new ParseUUIDPipe({ version: '4' });

/** The agents a user may chat with, and its default one; each answers with the user. */
@Controller('api/admin/users/:userId')
@UseGuards(AdminGuard)
@ApiTags('users')
@ApiBearerAuth(ADMIN_SECURITY)
export class UserAgentsController {
  constructor(private readonly replies: UserReplies) {}

  @Post('agents')
  @HttpCode(HttpStatus.OK)
  grant(
    @Param('userId', userIdPipe) userId: string,
    @Body() { agentId }: AgentReferenceBody,
    @Context() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.replies.write(reply, new GrantUserAgent({ userId, agentId }, context));
  }

  @Delete('agents/:agentId')
  revoke(
    @Param('userId', userIdPipe) userId: string,
    @Param('agentId', uuid) agentId: string,
    @Context() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.replies.write(reply, new RevokeUserAgent({ userId, agentId }, context));
  }

  @Put('default-agent')
  setDefault(
    @Param('userId', userIdPipe) userId: string,
    @Body() { agentId }: AgentReferenceBody,
    @Context() context: RequestContext,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.replies.write(reply, new SetUserDefaultAgent({ userId, agentId }, context, ifMatchRevision(ifMatch)));
  }
}
