import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { companyDecider, companyStream } from '../companies/company.decider';
import { assertWithinScope } from '../platform/auth/company-scope';
import { eventMetadata, RequestContext } from '../platform/auth/request-context';
import { DomainError } from '../platform/domain/domain-error';
import { EventMetadata, EventStore, WrongExpectedRevisionError } from '../platform/event-store/event-store';
import { decideOnStream, loadAggregate } from '../platform/event-store/decide-on-stream';
import { Position } from '../platform/event-store/position';
import { PersonalDataSecrets } from '../platform/personal-data/personal-data-secrets';
import {
  emailReservationDecider,
  emailReservationStream,
  legacyEmailReservationStream,
} from './email-reservation.decider';
import { UserCommand, userDecider, userStream } from './user.decider';
import { releaseSeat, takeSeat } from './user-seats';

type Registration = Extract<UserCommand, { type: 'RegisterUser' }>;

export interface RegisteredUser {
  readonly userId: string;
  readonly position: Position;
}

/** A new user of a company; its userid is generated when none is given. */
export class RegisterUser extends Command<RegisteredUser> {
  constructor(
    readonly request: Omit<Registration, 'type' | 'userId' | 'now'> & { userId?: string },
    /** The caller, company scope included: a company administrator registers users of its own company only. */
    readonly context: RequestContext,
  ) {
    super();
  }
}

/**
 * Registration spans three streams, each guarded by its own expected revision: the email
 * reservation, a licence seat on the company, then the user stream ("no stream": the userid is
 * unique across the service). What can be refused is checked first, so an ordinary refusal appends
 * nothing; should a concurrent request win a step in between, the steps before it are undone, so a
 * refused registration never holds an email or a seat.
 */
@CommandHandler(RegisterUser)
export class RegisterUserHandler implements ICommandHandler<RegisterUser> {
  private readonly logger = new Logger('users');

  constructor(
    private readonly events: EventStore,
    private readonly secrets: PersonalDataSecrets,
  ) {}

  async execute({ request, context }: RegisterUser): Promise<RegisteredUser> {
    const { companyId } = request;
    assertWithinScope(context, companyId, 'company', companyId);
    const metadata = eventMetadata(context, new Date(), companyId);
    const registration: Registration = {
      type: 'RegisterUser',
      ...request,
      userId: request.userId ?? randomUUID(),
      now: metadata.at,
    };
    await this.dryRun(registration);
    const releaseEmail = await this.reserveEmail(registration, metadata);
    try {
      await takeSeat(this.events, companyId, registration.userId, metadata);
    } catch (error) {
      await this.undo([releaseEmail], error);
      throw error;
    }
    return this.recordUser(registration, metadata, releaseEmail);
  }

  /**
   * The seat's and the user's own decisions (a full company, an existing user, names, userid), and
   * an email still held under its reservation's former name, before anything is appended. That name
   * takes no new reservation, so what it holds now it holds until released: checked once, here.
   */
  private async dryRun(registration: Registration): Promise<void> {
    const { companyId, userId, email, now } = registration;
    const company = await loadAggregate(this.events, companyStream(companyId), companyDecider);
    companyDecider.decide({ type: 'AssignUserSeat', companyId, userId, now }, company.state);
    const existing = await loadAggregate(this.events, userStream(userId), userDecider);
    userDecider.decide(registration, existing.state);
    const legacy = legacyEmailReservationStream(companyId, email);
    const formerly = await loadAggregate(this.events, legacy, emailReservationDecider);
    emailReservationDecider.decide({ type: 'ReserveEmail', companyId, userId, now }, formerly.state);
  }

  /** Reserves the email within the company; answers how to give it back. */
  private async reserveEmail(
    { companyId, email, userId, now }: Registration,
    metadata: EventMetadata,
  ): Promise<() => Promise<unknown>> {
    const stream = emailReservationStream(this.secrets.reservationKey, companyId, email);
    const reservation = (type: 'ReserveEmail' | 'ReleaseEmail') =>
      decideOnStream(this.events, stream, emailReservationDecider, {
        command: { type, companyId, userId, now },
        metadata,
      });
    await reservation('ReserveEmail');
    return () => reservation('ReleaseEmail');
  }

  /** The user stream, started with "no stream": a userid taken meanwhile gives the seat and the email back. */
  private async recordUser(
    registration: Registration,
    metadata: EventMetadata,
    releaseEmail: () => Promise<unknown>,
  ): Promise<RegisteredUser> {
    const { companyId, userId } = registration;
    try {
      const { position } = await decideOnStream(this.events, userStream(userId), userDecider, {
        command: registration,
        metadata,
      });
      return { userId, position: position! };
    } catch (error) {
      await this.undo([() => releaseSeat(this.events, companyId, userId, metadata), releaseEmail], error);
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
