import { HttpStatus, Injectable, PipeTransform } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import { Position } from '../platform/event-store/position';
import { ProblemException } from '../platform/http/problem-details';
import { ReadYourWrites } from '../platform/projections/read-your-writes';
import { ReadModels } from '../platform/read-store/read-models';
import { USER_ID_PATTERN } from './user.decider';
import { toUserResponse } from './user.dto';
import { USERS, usersProjection, UserView } from './user.projection';
import { AnyUserWrite } from './user-write';

/** A `:userId` path segment must be a well-formed AIRisk userid. */
class UserIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!USER_ID_PATTERN.test(value))
      throw new ProblemException(HttpStatus.BAD_REQUEST, 'not a userid', 'invalid_user_id');
    return value;
  }
}

export const userIdPipe = new UserIdPipe();

/** How the users routes answer a write: once the users read model shows it, with the user and its `ETag`. */
@Injectable()
export class UserReplies {
  constructor(
    private readonly commands: CommandBus,
    private readonly readModels: ReadModels,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  /** Dispatches an admin's write to an existing user and answers 200 with the user as it now is. */
  async write(reply: FastifyReply, write: AnyUserWrite) {
    const { position } = await this.commands.execute(write);
    return this.answer(reply, write.request.userId, position, HttpStatus.OK);
  }

  answer(reply: FastifyReply, id: string, position: Position | undefined, status: number) {
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
