import { deciderSpec } from '../../test/support/decider-spec';
import { type CompanyCommand, companyDecider } from './company.decider';
import type { CompanyEvent } from './company.events';

const earlier = '2026-11-01T00:00:00.000Z';
const now = '2026-11-27T10:00:00.000Z';

const registeredWith = (userLicenses: number | null): CompanyEvent => ({
  type: 'CompanyRegistered',
  data: { companyId: 'c1', name: 'Acme', userLicenses, registeredAt: earlier },
});
const seatAssigned = (userId: string): CompanyEvent => ({
  type: 'CompanyUserSeatAssigned',
  data: { companyId: 'c1', userId, assignedAt: earlier },
});
const seatReleased = (userId: string): CompanyEvent => ({
  type: 'CompanyUserSeatReleased',
  data: { companyId: 'c1', userId, releasedAt: earlier },
});
const licensesChanged = (userLicenses: number | null): CompanyEvent => ({
  type: 'CompanyUserLicensesChanged',
  data: { companyId: 'c1', userLicenses, changedAt: earlier },
});
const assign = (userId: string): CompanyCommand => ({ type: 'AssignUserSeat', companyId: 'c1', userId, now });
const release = (userId: string): CompanyCommand => ({ type: 'ReleaseUserSeat', companyId: 'c1', userId, now });
const assigned = (userId: string): CompanyEvent[] => [
  { type: 'CompanyUserSeatAssigned', data: { companyId: 'c1', userId, assignedAt: now } },
];
const released = (userId: string): CompanyEvent[] => [
  { type: 'CompanyUserSeatReleased', data: { companyId: 'c1', userId, releasedAt: now } },
];

const { given } = deciderSpec(companyDecider);

const exhausted = expect.objectContaining({ kind: 'conflict', code: 'user_licenses_exhausted' });

describe('company decider: user seats', () => {
  describe('AssignUserSeat', () => {
    it('assigns a seat while licences remain', () => {
      given(registeredWith(2)).when(assign('u1')).then(assigned('u1'));
      given(registeredWith(2), seatAssigned('u1')).when(assign('u2')).then(assigned('u2'));
    });

    it('refuses a seat when every licence is in use', () => {
      given(registeredWith(2), seatAssigned('u1'), seatAssigned('u2')).when(assign('u3')).thenRefuses(exhausted);
    });

    it('refuses any seat with zero licences', () => {
      given(registeredWith(0)).when(assign('u1')).thenRefuses(exhausted);
    });

    it('treats null licences as unlimited', () => {
      const many = Array.from({ length: 50 }, (_, i) => seatAssigned(`u${i}`));
      given(registeredWith(null), ...many)
        .when(assign('u50'))
        .then(assigned('u50'));
    });

    it('frees a seat when one is released', () => {
      given(registeredWith(2), seatAssigned('u1'), seatAssigned('u2'), seatReleased('u1'))
        .when(assign('u3'))
        .then(assigned('u3'));
    });

    it('counts seats again after a reassignment fills the freed one', () => {
      given(registeredWith(2), seatAssigned('u1'), seatAssigned('u2'), seatReleased('u1'), seatAssigned('u1'))
        .when(assign('u3'))
        .thenRefuses(exhausted);
    });

    it('assigns again once more licences are bought', () => {
      given(registeredWith(1), seatAssigned('u1'), licensesChanged(2)).when(assign('u2')).then(assigned('u2'));
    });

    it('assigns without limit once the licence limit is lifted', () => {
      given(registeredWith(1), seatAssigned('u1'), licensesChanged(null)).when(assign('u2')).then(assigned('u2'));
    });

    it('blocks new seats once licences are capped at the current count', () => {
      given(registeredWith(null), seatAssigned('u1'), licensesChanged(1)).when(assign('u2')).thenRefuses(exhausted);
    });

    describe('when licences are lowered below the active users', () => {
      const history = [
        registeredWith(3),
        seatAssigned('u1'),
        seatAssigned('u2'),
        seatAssigned('u3'),
        licensesChanged(1),
      ];

      it('refuses new seats', () => {
        given(...history)
          .when(assign('u4'))
          .thenRefuses(exhausted);
      });

      it('still releases the seats in use', () => {
        given(...history)
          .when(release('u1'))
          .then(released('u1'));
      });

      it('keeps refusing until active users fall below the new limit', () => {
        given(...history, seatReleased('u1'))
          .when(assign('u4'))
          .thenRefuses(exhausted);
        given(...history, seatReleased('u1'), seatReleased('u2'))
          .when(assign('u4'))
          .thenRefuses(exhausted);
        given(...history, seatReleased('u1'), seatReleased('u2'), seatReleased('u3'))
          .when(assign('u4'))
          .then(assigned('u4'));
      });
    });

    it('assigns nothing more to a user who holds a seat, even with no licence left', () => {
      given(registeredWith(1), seatAssigned('u1')).when(assign('u1')).then([]);
    });

    it('refuses a seat in a company that does not exist', () => {
      given()
        .when(assign('u1'))
        .thenRefuses(expect.objectContaining({ kind: 'not_found', code: 'company_not_found' }));
    });
  });

  describe('ReleaseUserSeat', () => {
    it('releases a seat in use', () => {
      given(registeredWith(2), seatAssigned('u1')).when(release('u1')).then(released('u1'));
    });

    it('records nothing when no user is active', () => {
      given(registeredWith(2)).when(release('u1')).then([]);
    });

    it('records nothing once every seat has been released', () => {
      given(registeredWith(2), seatAssigned('u1'), seatReleased('u1')).when(release('u1')).then([]);
    });

    it('records nothing for a company that does not exist', () => {
      given().when(release('u1')).then([]);
    });

    it('releases only a seat the user holds: another user’s seat stays taken', () => {
      const history = [registeredWith(1), seatAssigned('u1')];
      given(...history)
        .when(release('u2'))
        .then([]);
      given(...history)
        .when(assign('u2'))
        .thenRefuses(exhausted);
    });
  });

  it('leaves name and licences untouched when seats change', () => {
    const history = [registeredWith(5), seatAssigned('u1'), seatAssigned('u2'), seatReleased('u1')];
    given(...history)
      .when({ type: 'ChangeCompany', companyId: 'c1', name: 'Acme', userLicenses: 5, now })
      .then([]);
  });
});
