import { Set as ImmutableSet } from 'immutable';
import type { Decider } from '../platform/event-store/decide-on-stream';
import { DomainError } from '../platform/domain/domain-error';
import { type CompanyEvent, companyEvents } from './company.events';

/** The Company aggregate: a tenant with a name and, optionally, a number of user licences. */

// Re-exported for the users context, which folds company events beside its own through this decider.

export type CompanyCommand =
  | { type: 'RegisterCompany'; companyId: string; name: string; userLicenses: number | null; now: string }
  | { type: 'ChangeCompany'; companyId: string; name?: string; userLicenses?: number | null; now: string }
  /** A user becomes active (registered or reactivated): one licence seat more in use. */
  | { type: 'AssignUserSeat'; companyId: string; userId: string; now: string }
  | { type: 'ReleaseUserSeat'; companyId: string; userId: string; now: string };

export type CompanyState =
  | { status: 'absent' }
  | {
      status: 'registered';
      companyId: string;
      name: string;
      userLicenses: number | null;
      /**
       * Who holds a licence seat: a seat is per user, so taking one twice or giving back one not
       * held changes nothing (a retried or reconciled step is harmless). A persistent set: each
       * event shares the rest of it, so folding a large company stays linear.
       */
      seatHolders: ImmutableSet<string>;
    };

export const companyStream = (companyId: string) => `company-${companyId}`;

export const MAX_COMPANY_NAME_LENGTH = 200;
export const MAX_USER_LICENSES = 1_000_000;

function evolve(state: CompanyState, event: CompanyEvent): CompanyState {
  switch (event.type) {
    case 'CompanyRegistered':
      return {
        status: 'registered',
        companyId: event.data.companyId,
        name: event.data.name,
        userLicenses: event.data.userLicenses,
        seatHolders: ImmutableSet<string>(),
      };
    case 'CompanyRenamed':
      return state.status === 'registered' ? { ...state, name: event.data.name } : state;
    case 'CompanyUserLicensesChanged':
      return state.status === 'registered' ? { ...state, userLicenses: event.data.userLicenses } : state;
    case 'CompanyUserSeatAssigned':
      return state.status === 'registered'
        ? { ...state, seatHolders: state.seatHolders.add(event.data.userId) }
        : state;
    case 'CompanyUserSeatReleased':
      return state.status === 'registered'
        ? { ...state, seatHolders: state.seatHolders.remove(event.data.userId) }
        : state;
  }
}

function decide(command: CompanyCommand, state: CompanyState): CompanyEvent[] {
  switch (command.type) {
    case 'RegisterCompany':
      return register(command, state);
    case 'ChangeCompany':
      return change(command, state);
    case 'AssignUserSeat':
      return assignSeat(command, state);
    case 'ReleaseUserSeat':
      if (state.status !== 'registered' || !state.seatHolders.has(command.userId)) return [];
      return [
        {
          type: 'CompanyUserSeatReleased',
          data: { companyId: state.companyId, userId: command.userId, releasedAt: command.now },
        },
      ];
  }
}

type CommandOf<Type extends CompanyCommand['type']> = Extract<CompanyCommand, { type: Type }>;

function register(command: CommandOf<'RegisterCompany'>, state: CompanyState): CompanyEvent[] {
  if (state.status !== 'absent')
    throw new DomainError('conflict', 'company_exists', `company ${command.companyId} already exists`);
  const name = validName(command.name);
  const userLicenses = validLicenses(command.userLicenses);
  return [
    {
      type: 'CompanyRegistered',
      data: { companyId: command.companyId, name, userLicenses, registeredAt: command.now },
    },
  ];
}

/** Only real changes become events: a PATCH that repeats current values leaves no trace. */
function change(command: CommandOf<'ChangeCompany'>, state: CompanyState): CompanyEvent[] {
  if (state.status !== 'registered')
    throw new DomainError('not_found', 'company_not_found', `no company ${command.companyId}`);
  const events: CompanyEvent[] = [];
  if (command.name !== undefined && validName(command.name) !== state.name) {
    events.push({
      type: 'CompanyRenamed',
      data: { companyId: state.companyId, name: validName(command.name), renamedAt: command.now },
    });
  }
  if (command.userLicenses !== undefined && validLicenses(command.userLicenses) !== state.userLicenses) {
    events.push({
      type: 'CompanyUserLicensesChanged',
      data: { companyId: state.companyId, userLicenses: command.userLicenses, changedAt: command.now },
    });
  }
  return events;
}

/** The licence count bounds active users; lowering it below the current count blocks only new ones. */
function assignSeat(command: CommandOf<'AssignUserSeat'>, state: CompanyState): CompanyEvent[] {
  if (state.status !== 'registered')
    throw new DomainError('not_found', 'company_not_found', `no company ${command.companyId}`);
  if (state.seatHolders.has(command.userId)) return []; // it holds one already
  if (state.userLicenses !== null && state.seatHolders.size >= state.userLicenses) {
    throw new DomainError(
      'conflict',
      'user_licenses_exhausted',
      `company ${state.companyId} has ${state.userLicenses} user licences, all in use`,
    );
  }
  return [
    {
      type: 'CompanyUserSeatAssigned',
      data: { companyId: state.companyId, userId: command.userId, assignedAt: command.now },
    },
  ];
}

/** Names are compared and stored trimmed; an all-blank name is no name. */
function validName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_COMPANY_NAME_LENGTH) {
    throw new DomainError(
      'invalid',
      'invalid_company_name',
      `a company name has 1 to ${MAX_COMPANY_NAME_LENGTH} characters`,
    );
  }
  return trimmed;
}

/** `null` means no limit on active users. */
function validLicenses(userLicenses: number | null): number | null {
  if (userLicenses === null) return null;
  if (!Number.isInteger(userLicenses) || userLicenses < 0 || userLicenses > MAX_USER_LICENSES) {
    throw new DomainError(
      'invalid',
      'invalid_user_licenses',
      `userLicenses is a whole number from 0 to ${MAX_USER_LICENSES}, or null`,
    );
  }
  return userLicenses;
}

export const companyDecider: Decider<CompanyCommand, CompanyEvent, CompanyState> = {
  events: companyEvents,
  initialState: { status: 'absent' },
  evolve,
  decide,
};
