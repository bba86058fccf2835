import { CompanyCommand, CompanyEvent, companyDecider } from './company.decider';

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

/** given events, when command, then events (or a refusal). */
function given(...history: CompanyEvent[]) {
  const state = history.reduce(companyDecider.evolve, companyDecider.initialState);
  return { when: (command: CompanyCommand) => () => companyDecider.decide(command, state) };
}

const exhausted = expect.objectContaining({ kind: 'conflict', code: 'user_licenses_exhausted' });

describe('company decider: user seats', () => {
  describe('AssignUserSeat', () => {
    it('assigns a seat while licences remain', () => {
      expect(given(registeredWith(2)).when(assign('u1'))()).toEqual(assigned('u1'));
      expect(given(registeredWith(2), seatAssigned('u1')).when(assign('u2'))()).toEqual(assigned('u2'));
    });

    it('refuses a seat when every licence is in use', () => {
      const then = given(registeredWith(2), seatAssigned('u1'), seatAssigned('u2')).when(assign('u3'));
      expect(then).toThrow(exhausted);
    });

    it('refuses any seat with zero licences', () => {
      expect(given(registeredWith(0)).when(assign('u1'))).toThrow(exhausted);
    });

    it('treats null licences as unlimited', () => {
      const many = Array.from({ length: 50 }, (_, i) => seatAssigned(`u${i}`));
      expect(given(registeredWith(null), ...many).when(assign('u50'))()).toEqual(assigned('u50'));
    });

    it('frees a seat when one is released', () => {
      const then = given(registeredWith(2), seatAssigned('u1'), seatAssigned('u2'), seatReleased('u1')).when(
        assign('u3'),
      );
      expect(then()).toEqual(assigned('u3'));
    });

    it('counts seats again after a reassignment fills the freed one', () => {
      const then = given(
        registeredWith(2),
        seatAssigned('u1'),
        seatAssigned('u2'),
        seatReleased('u1'),
        seatAssigned('u1'),
      ).when(assign('u3'));
      expect(then).toThrow(exhausted);
    });

    it('assigns again once more licences are bought', () => {
      const then = given(registeredWith(1), seatAssigned('u1'), licensesChanged(2)).when(assign('u2'));
      expect(then()).toEqual(assigned('u2'));
    });

    it('assigns without limit once the licence limit is lifted', () => {
      const then = given(registeredWith(1), seatAssigned('u1'), licensesChanged(null)).when(assign('u2'));
      expect(then()).toEqual(assigned('u2'));
    });

    it('blocks new seats once licences are capped at the current count', () => {
      const then = given(registeredWith(null), seatAssigned('u1'), licensesChanged(1)).when(assign('u2'));
      expect(then).toThrow(exhausted);
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
        expect(given(...history).when(assign('u4'))).toThrow(exhausted);
      });

      it('still releases the seats in use', () => {
        expect(given(...history).when(release('u1'))()).toEqual(released('u1'));
      });

      it('keeps refusing until active users fall below the new limit', () => {
        expect(given(...history, seatReleased('u1')).when(assign('u4'))).toThrow(exhausted);
        expect(given(...history, seatReleased('u1'), seatReleased('u2')).when(assign('u4'))).toThrow(exhausted);
        expect(
          given(...history, seatReleased('u1'), seatReleased('u2'), seatReleased('u3')).when(assign('u4'))(),
        ).toEqual(assigned('u4'));
      });
    });

    it('assigns nothing more to a user who holds a seat, even with no licence left', () => {
      expect(given(registeredWith(1), seatAssigned('u1')).when(assign('u1'))()).toEqual([]);
    });

    it('refuses a seat in a company that does not exist', () => {
      const then = given().when(assign('u1'));
      expect(then).toThrow(expect.objectContaining({ kind: 'not_found', code: 'company_not_found' }));
    });
  });

  describe('ReleaseUserSeat', () => {
    it('releases a seat in use', () => {
      expect(given(registeredWith(2), seatAssigned('u1')).when(release('u1'))()).toEqual(released('u1'));
    });

    it('records nothing when no user is active', () => {
      expect(given(registeredWith(2)).when(release('u1'))()).toEqual([]);
    });

    it('records nothing once every seat has been released', () => {
      expect(given(registeredWith(2), seatAssigned('u1'), seatReleased('u1')).when(release('u1'))()).toEqual([]);
    });

    it('records nothing for a company that does not exist', () => {
      expect(given().when(release('u1'))()).toEqual([]);
    });

    it('releases only a seat the user holds: another user’s seat stays taken', () => {
      const history = [registeredWith(1), seatAssigned('u1')];
      expect(given(...history).when(release('u2'))()).toEqual([]);
      expect(given(...history).when(assign('u2'))).toThrow(exhausted);
    });
  });

  it('leaves name and licences untouched when seats change', () => {
    const history = [registeredWith(5), seatAssigned('u1'), seatAssigned('u2'), seatReleased('u1')];
    expect(
      given(...history).when({ type: 'ChangeCompany', companyId: 'c1', name: 'Acme', userLicenses: 5, now })(),
    ).toEqual([]);
  });
});
