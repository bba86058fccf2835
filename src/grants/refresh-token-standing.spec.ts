import { grantDecider } from './grant.decider';
import type { GrantEvent } from './grant.events';
import { refreshTokenStanding } from './refresh-token-standing';

const epoch = Date.parse('2026-11-27T10:00:00.000Z');
const at = (seconds: number) => new Date(epoch + seconds * 1000).toISOString();
const grantId = '3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b';
const holder = { grantId, clientId: 'client-a', userId: null };

function tokens(n: number, seconds: number) {
  return {
    jti: `${grantId}.${n}`,
    cutoffs: { client: 0, user: null },
    issuedAt: at(seconds),
    expiresAt: at(seconds + 300),
    refreshTokenHash: `sha256:refresh-${n}`,
    refreshExpiresAt: at(seconds + 3600),
  };
}

const issued: GrantEvent = {
  type: 'TokenIssued',
  data: { ...holder, companyId: 'company-a', scope: '', ...tokens(0, 0), grantType: 'authorization_code' },
};
const rotated = (from: number, to: number, seconds: number): GrantEvent => ({
  type: 'RefreshTokenRotated',
  data: { ...holder, previousRefreshTokenHash: `sha256:refresh-${from}`, ...tokens(to, seconds) },
});
const revoked: GrantEvent = { type: 'TokenRevoked', data: { ...holder, reason: 'admin', revokedAt: at(50) } };

const stateAfter = (...events: GrantEvent[]) => events.reduce(grantDecider.evolve, grantDecider.initialState);
const presenting = (n: number, seconds: number, fields: { clientId?: string; graceSeconds?: number } = {}) => ({
  clientId: 'client-a',
  presentedHash: `sha256:refresh-${n}`,
  now: at(seconds),
  ...fields,
});

describe('refreshTokenStanding (RFC 6749 §6, RFC 9700 §4.14.2)', () => {
  it('is live for the current token before its expiry, expired from its expiry on', () => {
    expect(refreshTokenStanding(stateAfter(issued), presenting(0, 3599.999))).toBe('live');
    expect(refreshTokenStanding(stateAfter(issued), presenting(0, 3600))).toBe('expired');
  });

  it('is not_issued for no grant, another client, or a token the grant never issued', () => {
    expect(refreshTokenStanding(stateAfter(), presenting(0, 10))).toBe('not_issued');
    expect(refreshTokenStanding(stateAfter(issued), presenting(0, 10, { clientId: 'client-b' }))).toBe('not_issued');
    expect(refreshTokenStanding(stateAfter(issued), presenting(7, 10))).toBe('not_issued');
  });

  it('tells a grace retry of the previous token from a replay, with no grace unless one is given', () => {
    const state = stateAfter(issued, rotated(0, 1, 100));
    expect(refreshTokenStanding(state, presenting(0, 110, { graceSeconds: 10 }))).toBe('grace_retry');
    expect(refreshTokenStanding(state, presenting(0, 110.001, { graceSeconds: 10 }))).toBe('spent');
    expect(refreshTokenStanding(state, presenting(0, 101))).toBe('spent');
  });

  it('is grant_revoked for any token the grant issued once it is revoked, not a replay', () => {
    const state = stateAfter(issued, rotated(0, 1, 10), revoked);
    expect(refreshTokenStanding(state, presenting(1, 20))).toBe('grant_revoked');
    expect(refreshTokenStanding(state, presenting(0, 20))).toBe('grant_revoked');
    expect(refreshTokenStanding(state, presenting(7, 20))).toBe('not_issued');
  });
});
