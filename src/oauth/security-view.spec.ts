import { randomUUID } from 'node:crypto';
import { clientDecider } from '../clients/client.decider';
import type { ClientEvent } from '../clients/client.events';
import { foldEvents } from '../platform/event-store/decide-on-stream';
import type { RecordedEvent } from '../platform/event-store/event-store';
import { userDecider } from '../users/user.decider';
import type { UserEvent } from '../users/user.events';
import { SecurityView } from './security-view';
import { Feed } from '../../test/support/security-view-feed';

const now = '2026-11-27T10:00:00.000Z';

/** A stream's events as the store records them: revisions from 0, one position each. */
function recorded(stream: string, events: readonly (ClientEvent | UserEvent)[]): RecordedEvent[] {
  return events.map(({ type, data }, revision) => ({
    id: randomUUID(),
    stream,
    revision,
    position: { commit: BigInt(revision + 1), prepare: BigInt(revision + 1) },
    type,
    data,
    metadata: { actor: { kind: 'admin', id: 'spec' }, correlationId: 'c', causationId: 'c', at: now, schemaVersion: 1 },
    recordedAt: now,
  }));
}

describe('SecurityView', () => {
  it('holds a client as its decider folds it, with its secret, scopes and token cutoff', () => {
    const history = recorded('client-web', [
      {
        type: 'ClientRegistered',
        data: {
          ...{ clientId: 'web', companyId: 'company-a', name: 'Web', type: 'confidential', registeredAt: now },
          ...{ redirectUris: ['https://app.example/cb'], allowUserTokens: true, scopes: ['admin'] },
          secretHash: 'sha256:old',
        },
      },
      { type: 'RedirectUriAdded', data: { clientId: 'web', uri: 'https://app.example/2', addedAt: now } },
      { type: 'ClientSecretRotated', data: { clientId: 'web', secretHash: 'sha256:new', rotatedAt: now } },
      { type: 'ClientDisabled', data: { clientId: 'web', disabledAt: now } },
      { type: 'ClientPkceRequirementChanged', data: { clientId: 'web', requirePkce: true, changedAt: now } },
    ]);
    const view = new SecurityView();
    history.forEach((event) => view.apply(event));
    expect(view.client('web')).toEqual({
      ...foldEvents(clientDecider, history),
      enabled: false,
      secretHash: 'sha256:new',
      allowUserTokens: true,
      scopes: ['admin'],
      tokenCutoff: 3, // the disable, after the rotation
    });
  });

  it('holds a user as its decider folds it, profile changes included, with its token cutoff', () => {
    const history = recorded('user-alice', [
      {
        type: 'UserRegistered',
        data: {
          ...{ userId: 'alice', companyId: 'company-a', email: 'alice@example.com', role: 'user' },
          ...{ firstName: 'Alice', lastName: 'A', registeredAt: now },
        },
      },
      { type: 'UserGrantedAgent', data: { userId: 'alice', agentId: 'agent-1', grantedAt: now } },
      { type: 'UserDefaultAgentSet', data: { userId: 'alice', agentId: 'agent-1', setAt: now } },
      { type: 'UserProfileChanged', data: { userId: 'alice', firstName: 'Alicia', lastName: 'A', changedAt: now } },
      { type: 'UserDeactivated', data: { userId: 'alice', deactivatedAt: now } },
      { type: 'UserReactivated', data: { userId: 'alice', reactivatedAt: now } },
    ]);
    const view = new SecurityView();
    history.forEach((event) => view.apply(event));
    expect(view.user('alice')).toEqual({ ...foldEvents(userDecider, history), active: true, tokenCutoff: 4 });
    expect(view.user('alice')).toMatchObject({ firstName: 'Alicia', agents: ['agent-1'], defaultAgentId: 'agent-1' });
  });

  it('ignores facts about a client or user it never saw registered', () => {
    const view = new SecurityView();
    view.apply(recorded('client-ghost', [{ type: 'ClientDisabled', data: { clientId: 'ghost', disabledAt: now } }])[0]);
    view.apply(recorded('user-ghost', [{ type: 'UserDeactivated', data: { userId: 'ghost', deactivatedAt: now } }])[0]);
    expect(view.client('ghost')).toBeUndefined();
    expect(view.user('ghost')).toBeUndefined();
  });
});

describe('revoked grants in the security view', () => {
  const revokeAt = (feed: Feed, grantId: string, revokedAt: string) =>
    feed.emit(`grant-${grantId}`, 'TokenRevoked', { grantId, reason: 'admin', revokedAt });

  it('are remembered for a day and five minutes, the longest any access token of theirs can live, then forgotten', () => {
    const feed = new Feed();
    revokeAt(feed, 'g-old', '2026-11-01T00:00:00.000Z');
    revokeAt(feed, 'g-later', '2026-11-01T23:00:00.000Z');
    expect(feed.view.isGrantRevoked('g-old')).toBe(true);
    revokeAt(feed, 'g-next-day', '2026-11-02T00:05:00.000Z'); // exactly 24 h 5 min after g-old
    expect(feed.view.isGrantRevoked('g-old')).toBe(true);
    revokeAt(feed, 'g-after', '2026-11-02T00:05:00.001Z');
    expect(feed.view.isGrantRevoked('g-old')).toBe(false);
    expect(['g-later', 'g-next-day', 'g-after'].map((id) => feed.view.isGrantRevoked(id))).toEqual([true, true, true]);
  });
});
