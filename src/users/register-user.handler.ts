import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { companyDecider, companyStream } from '../companies/company.decider';
import { eventMetadata, RequestContext } from '../platform/auth/request-context';
import { DomainError } from '../platform/domain/domain-error';
import { EventStore, WrongExpectedRevisionError } from '../platform/event-store/event-store';
import { decideOnStream, loadAggregate } from '../platform/event-store/decide-on-stream';
import { Position } from '../platform/event-store/position';
import { emailReservationDecider, emailReservationStream } from './email-reservation.decider';
import { UserRole, userDecider, userStream } from './user.decider';
import { releaseSeat, takeSeat } from './user-seats';

export class RegisterUser {
  constructor(
    readonly input: {
      userId?: string;
      companyId: string;
      email: string;
      firstName: string;
      lastName: string;
      role: UserRole;
    },
    readonly context: RequestContext,
  ) {}
}

/**
 * Registration spans three streams, each guarded by its own expected revision: the email
 * reservation, a licence seat on the company, then the user stream ("no stream": the userid is
 * unique across the service). What can be refused is checked first, so an ordinary refusal appends
 * nothing; should a concurrent request win a step in between, the steps before it are undone, so a
 * refused registration never holds an email or a seat.
 */
@CommandHandler(RegisterUser)
export class RegisterUserHandler implements ICommandHandler<RegisterUser, { userId: string; position: Position }> {
  private readonly logger = new Logger('users');

  constructor(private readonly events: EventStore) {}

  async execute({ input, context }: RegisterUser): Promise<{ userId: string; position: Position }> {
    const { companyId, email } = input;
    const userId = input.userId ?? randomUUID();
    const now = new Date();
    const metadata = eventMetadata(context, now, companyId);
    const company = await loadAggregate(this.events, companyStream(companyId), companyDecider);
    // A dry run of the seat decision: a full company is refused before anything is appended.
    companyDecider.decide({ type: 'AssignUserSeat', companyId, userId, now: metadata.at }, company.state);
    const existing = await loadAggregate(this.events, userStream(userId), userDecider);
    const registration = { type: 'RegisterUser' as const, ...input, userId, now: metadata.at };
    // A dry run of the user's own decision (it exists? names, userid): refused before the email is reserved.
    userDecider.decide(registration, existing.state);

    const reservation = emailReservationStream(companyId, email);
    const release = () =>
      decideOnStream(this.events, reservation, emailReservationDecider, { command: { type: 'ReleaseEmail', companyId, userId, now: metadata.at }, metadata: metadata });
    await decideOnStream(this.events, reservation, emailReservationDecider, { command: { type: 'ReserveEmail', companyId, userId, now: metadata.at }, metadata: metadata });
    try {
      await takeSeat(this.events, companyId, userId, metadata);
    } catch (error) {
      await this.undo([release], error);
      throw error;
    }
    try {
      const { position } = await decideOnStream(this.events, userStream(userId), userDecider, { command: registration, metadata: metadata });
      return { userId, position: position! };
    } catch (error) {
      await this.undo([() => releaseSeat(this.events, companyId, userId, metadata), release], error);
      if (error instanceof WrongExpectedRevisionError)
        throw new DomainError('conflict', 'user_exists', `user ${userId} already exists`);
      throw error;
    }
  }

  /** Compensations are best effort: their failure is logged, and the original refusal is what the admin sees. */
  private async undo(steps: Array<() => Promise<unknown>>, cause: unknown): Promise<void> {
    for (const step of steps) {
      await step().catch((error: unknown) =>
        this.logger.error(`could not undo a refused registration step (${String(cause)}): ${String(error)}`),
      );
    }
  }
}
