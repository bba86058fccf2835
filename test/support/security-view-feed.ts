import { randomUUID } from 'node:crypto';
import type { ClientRegistration } from '../../src/clients/client.events';
import type { RecordedEvent } from '../../src/platform/event-store/event-store';
import type { LiveViewRunner } from '../../src/platform/projections/live-view-runner';
import { SecurityView } from '../../src/oauth/security-view';
import type { UserRole } from '../../src/users/user.events';

/**
 * A live view at the store's head: catching up with it changes nothing unless a test says so
 * (failing closed when the view is not live is tested beside each check).
 */
export const live = { isLive: () => true, reachStoreHead: async () => true } as unknown as LiveViewRunner;

export const now = '2026-11-27T10:00:00.000Z';

/** Feeds a real SecurityView with recorded events, numbering revisions per stream as a store would. */
export class Feed {
  readonly view = new SecurityView();
  private readonly revisions = new Map<string, number>();
  private commit = 0n;

  /** Appends one event and answers its revision in its stream. */
  emit(stream: string, type: string, data: Record<string, unknown>): number {
    const revision = (this.revisions.get(stream) ?? -1) + 1;
    this.revisions.set(stream, revision);
    this.commit += 1n;
    const event: RecordedEvent = {
      id: randomUUID(),
      stream,
      revision,
      position: { commit: this.commit, prepare: this.commit },
      type,
      data,
      metadata: {
        actor: { kind: 'admin', id: 'test' },
        correlationId: 'c',
        causationId: 'c',
        at: now,
        schemaVersion: 1,
      },
      recordedAt: now,
    };
    this.view.apply(event);
    return revision;
  }

  registerClient(clientId: string, fields: Partial<ClientRegistration> = {}): number {
    const registration: ClientRegistration = {
      clientId,
      companyId: 'company-a',
      name: clientId,
      type: 'confidential',
      redirectUris: ['https://app.example/callback'],
      allowUserTokens: true,
      scopes: ['admin', 'audit:read'],
      secretHash: null,
      registeredAt: now,
      ...fields,
    };
    return this.emit(`client-${clientId}`, 'ClientRegistered', { ...registration });
  }

  client(clientId: string, type: string, data: Record<string, unknown> = {}): number {
    return this.emit(`client-${clientId}`, type, { clientId, ...data });
  }

  registerUser(userId: string, companyId = 'company-a', role: UserRole = 'user'): number {
    return this.emit(`user-${userId}`, 'UserRegistered', {
      userId,
      companyId,
      email: `${userId}@example.com`,
      role,
      firstName: 'A',
      lastName: 'B',
      registeredAt: now,
    });
  }

  user(userId: string, type: string, data: Record<string, unknown> = {}): number {
    return this.emit(`user-${userId}`, type, { userId, ...data });
  }

  revokeGrant(grantId: string): number {
    return this.emit(`grant-${grantId}`, 'TokenRevoked', { grantId, reason: 'admin', revokedAt: now });
  }
}
