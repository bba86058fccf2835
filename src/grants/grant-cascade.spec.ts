import type { CommandBus } from '@nestjs/cqrs';
import type { RecordedEvent } from '../platform/event-store/event-store';
import type { ProjectionRunner } from '../platform/projections/projection-runner';
import type { FindOptions, ReadStore } from '../platform/read-store/read-store';
import { GrantCascade } from './grant-cascade';
import type { GrantView } from './grant.projection';
import type { RevokeGrant } from './revoke-grant.handler';

const at = '2026-11-30T12:00:00.000Z';

function grant(id: string, fields: Partial<GrantView>): GrantView {
  return {
    id,
    clientId: 'web',
    userId: null,
    status: 'active',
    expiresAt: '2026-11-30T13:00:00.000Z',
    cutoffs: { client: -1, user: null },
    revision: 0,
    ...fields,
  };
}

function cause(type: string, revision: number, data: Record<string, string>): RecordedEvent {
  return {
    id: 'cause-event-id',
    stream: data.clientId ? `client-${data.clientId}` : `user-${data.userId}`,
    revision,
    position: { commit: 10n, prepare: 10n },
    type,
    data,
    metadata: {
      actor: { kind: 'admin', id: 'api-key:x' },
      correlationId: 'req-1',
      causationId: 'req-1',
      at,
      schemaVersion: 1,
    },
    recordedAt: at,
  };
}

/** given grants in the read model, when the cause is applied, then these grants are revoked. */
async function revokedBy(event: RecordedEvent, grants: GrantView[]): Promise<Array<[string, string]>> {
  const revoked: Array<[string, string]> = [];
  const cascade = new GrantCascade(
    {
      execute: async ({ grantId, reason }: RevokeGrant) => void revoked.push([grantId, reason]),
    } as unknown as CommandBus,
    {
      // As the store answers: the equality filter, newest expiry first (ties by id, descending too).
      find: async (_: string, { where = {} }: FindOptions) => ({
        items: grants
          .filter((g) => Object.entries(where).every(([field, value]) => g[field as keyof GrantView] === value))
          .sort((a, b) =>
            a.expiresAt === b.expiresAt ? b.id.localeCompare(a.id) : b.expiresAt.localeCompare(a.expiresAt),
          ),
      }),
    } as unknown as ReadStore,
    { waitForPosition: async () => true, register: () => undefined } as unknown as ProjectionRunner,
  );
  await cascade.apply(event);
  return revoked;
}

describe('the grant cascade reactor', () => {
  it('revokes the grants a client cutoff ends: live, issued under an older cutoff, codes never redeemed', async () => {
    const revoked = await revokedBy(cause('ClientDisabled', 5, { clientId: 'web' }), [
      grant('older', { cutoffs: { client: 2, user: null } }),
      grant('never-cut', { cutoffs: { client: -1, user: null } }),
      grant('a-code', { status: 'code_issued', cutoffs: null }),
      grant('issued-after', { cutoffs: { client: 5, user: null } }), // the client was re-enabled and used since
      grant('expired', { expiresAt: '2026-11-30T11:59:59.000Z' }),
      grant('another-client', { clientId: 'other' }),
      grant('revoked-already', { status: 'revoked' }),
    ]);
    expect(revoked).toEqual([
      ['older', 'client_disabled'],
      ['never-cut', 'client_disabled'],
      ['a-code', 'client_disabled'],
    ]);
  });

  it('revokes the grants a user cutoff ends, by the user’s cutoff, leaving generic tokens alone', async () => {
    const revoked = await revokedBy(cause('UserDeactivated', 3, { userId: 'ann' }), [
      grant('ann-old', { userId: 'ann', cutoffs: { client: 9, user: 1 } }),
      grant('ann-new', { userId: 'ann', cutoffs: { client: 9, user: 3 } }),
      grant('bob', { userId: 'bob', cutoffs: { client: 9, user: 1 } }),
    ]);
    expect(revoked).toEqual([['ann-old', 'user_deactivated']]);
  });

  it('gives each revocation the reason of its cause', async () => {
    const grants = [grant('g', {})];
    expect(await revokedBy(cause('ClientSecretRotated', 1, { clientId: 'web' }), grants)).toEqual([['g', 'admin']]);
    expect(await revokedBy(cause('ClientTokensRevoked', 1, { clientId: 'web' }), grants)).toEqual([['g', 'admin']]);
  });
});
