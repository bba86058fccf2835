import { Command } from '@nestjs/cqrs';
import { withinScope } from '../platform/auth/company-scope';
import { eventMetadata, type RequestContext } from '../platform/auth/request-context';
import { type CommandOutcome, decideOnStream } from '../platform/event-store/decide-on-stream';
import type { EventStore } from '../platform/event-store/event-store';
import type { Position } from '../platform/event-store/position';
import { type UserCommand, userDecider, type UserState, userStream } from './user.decider';
import type { UserEvent } from './user.events';

/** What an admin's write to a user answers: where it landed, for read-your-writes; absent when nothing changed. */
export interface UserWritten {
  readonly position?: Position;
}

/** What an admin asks of a user, in the decider's terms: the handler adds the clock (and a grant's agent facts). */
export type UserRequest<Type extends UserCommand['type']> = Omit<
  Extract<UserCommand, { type: Type }>,
  'type' | 'now' | 'agent'
>;

/**
 * An admin's write to an existing user. It carries the caller's context, company scope included,
 * and the handler checks that scope on the user it reads: no route can forget the check, and it
 * never depends on a read model being up to date.
 */
export abstract class UserWrite<Type extends UserCommand['type']> extends Command<UserWritten> {
  constructor(
    readonly request: UserRequest<Type>,
    readonly context: RequestContext,
    /** From `If-Match`: the revision the caller last saw. */
    readonly ifRevision?: number,
  ) {
    super();
  }
}

/** Any of the writes above, as the code they share takes it. */
export type AnyUserWrite = UserWrite<UserCommand['type']>;

type ExistingUser = Exclude<UserState, { status: 'absent' }>;

/** A user absent or of another company than the caller's: the same 404, so other tenants' ids cannot be probed. */
export function authorizeUser(
  context: Pick<RequestContext, 'companyScope'>,
  userId: string,
  state: UserState,
): asserts state is ExistingUser {
  withinScope(context, 'user', userId)(state);
}

/** The decider command for a write, made from the user read (once its scope is checked) at `now`. */
type Prepare = (user: UserState, now: string) => UserCommand | Promise<UserCommand>;

/**
 * decide on the user's stream: read once, refuse a user the caller may not act on (`authorizeUser`),
 * then decide the command `prepare` makes from the user read, at `now`, and append.
 */
export function decideOnUser(
  store: EventStore,
  { request: { userId }, context, ifRevision }: AnyUserWrite,
  prepare: Prepare,
  now = new Date(),
): Promise<CommandOutcome<UserEvent, UserState>> {
  return decideOnStream(store, userStream(userId), userDecider, {
    prepare: (state) => prepare(state, now.toISOString()),
    metadata: (state) => eventMetadata(context, now, state.status === 'absent' ? undefined : state.companyId),
    ifRevision,
    authorize: (state) => authorizeUser(context, userId, state),
  });
}

/** decideOnUser, answering where the write landed. */
export async function writeUser(store: EventStore, write: AnyUserWrite, prepare: Prepare): Promise<UserWritten> {
  const { position } = await decideOnUser(store, write, prepare);
  return { position };
}
