import { randomUUID } from 'node:crypto';
import { temporaryDirectory } from '../../test/support/temporary-directory';
import { AppConfig } from '../config/app-config';
import { SqliteEventStore } from '../platform/event-store/sqlite-event-store';
import { decideOnStream } from '../platform/event-store/decide-on-stream';
import { compareReadModels, rebuildProjection } from '../platform/projections/rebuild';
import { SqliteReadStore } from '../platform/read-store/sqlite-read-store';
import { grantDecider, grantStream } from './grant.decider';
import { GRANTS, grantsProjection } from './grant.projection';
import { GrantRetention } from './grant-retention';

const DAY = 86_400_000;

describe('GrantRetention', () => {
  it('drops grants expired beyond the retention period from the read model, never their events', async () => {
    const directory = temporaryDirectory();
    const events = new SqliteEventStore(`${directory}/events.sqlite`);
    const reads = new SqliteReadStore(`${directory}/read.sqlite`);
    const now = new Date();
    const issue = async (daysAgo: number) => {
      const grantId = randomUUID();
      const issuedAt = new Date(now.getTime() - daysAgo * DAY).toISOString();
      const expiresAt = new Date(now.getTime() - daysAgo * DAY + 3_600_000).toISOString();
      const metadata = {
        actor: { kind: 'client' as const, id: 'c' },
        correlationId: 'x',
        causationId: 'x',
        at: issuedAt,
        schemaVersion: 1,
      };
      const tokens = {
        jti: `${grantId}.1`,
        cutoffs: { client: -1, user: null },
        issuedAt,
        expiresAt,
        refreshTokenHash: null,
        refreshExpiresAt: null,
      };
      const subject = { grantId, clientId: 'c', companyId: 'co', userId: null, scope: '' };
      await decideOnStream(events, grantStream(grantId), grantDecider, {
        command: { type: 'IssueClientCredentialsToken', ...subject, tokens, now: issuedAt },
        metadata: metadata,
      });
      return grantId;
    };
    const [old, recent, live] = [await issue(45), await issue(10), await issue(0)];
    await rebuildProjection(events, reads, grantsProjection, { suffix: '' });

    const retention = new GrantRetention(reads, AppConfig.fromEnvironment({ GRANT_RETENTION_DAYS: '30' }));
    expect(await retention.prune(now)).toBe(1);
    expect(await reads.get(GRANTS, old)).toBeNull();
    expect(await reads.get(GRANTS, recent)).not.toBeNull();
    expect(await reads.get(GRANTS, live)).not.toBeNull();
    expect(await events.readStream(grantStream(old))).toHaveLength(1);
    expect(await retention.prune(now)).toBe(0);

    await rebuildProjection(events, reads, grantsProjection, { suffix: '_replay' });
    const before = new Date(now.getTime() - 30 * DAY).toISOString();
    expect(await compareReadModels(reads, grantsProjection, '_replay', before)).toEqual([]);
    expect(await compareReadModels(reads, grantsProjection, '_replay')).toEqual([
      expect.objectContaining({ id: old, live: null }),
    ]);

    const keepForever = new GrantRetention(reads, AppConfig.fromEnvironment({ GRANT_RETENTION_DAYS: '0' }));
    expect(await keepForever.prune(now)).toBe(0);
    await Promise.all([events.close(), reads.close()]);
  });
});
