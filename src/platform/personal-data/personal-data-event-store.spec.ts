import { createSecretKey, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { temporaryDirectory } from '../../../test/support/temporary-directory';
import { userDecider, userStream } from '../../users/user.decider';
import { userPersonalData } from '../../users/user.events';
import { decideOnStream } from '../event-store/decide-on-stream';
import { verifyChain } from '../event-store/event-chain';
import type { EventMetadata, NewEvent, RecordedEvent } from '../event-store/event-store';
import { SqliteEventStore } from '../event-store/sqlite-event-store';
import { PersonalDataEventStore } from './personal-data-event-store';
import { PersonalDataKeyRing } from './personal-data-key-ring';
import { SqlitePersonalDataKeys } from './sqlite-personal-data-keys';

describe('PersonalDataEventStore', () => {
  const now = '2026-11-30T10:00:00.000Z';
  let stored: SqliteEventStore;
  let keys: PersonalDataKeyRing;
  let store: PersonalDataEventStore;
  let directory: string;
  const kek = createSecretKey(randomBytes(32));
  const envelope = (actor: EventMetadata['actor'], request = {}): EventMetadata => ({
    actor,
    correlationId: 'c',
    causationId: 'c',
    at: now,
    schemaVersion: 1,
    ...request,
  });
  const admin = envelope({ kind: 'admin', id: 'api-key:0123456789abcdef' }, { ip: '10.0.0.1', userAgent: 'curl' });
  const register = (userId: string, metadata = admin) =>
    decideOnStream(store, userStream(userId), userDecider, {
      command: {
        type: 'RegisterUser',
        userId,
        companyId: 'c1',
        email: `${userId}@example.com`,
        firstName: 'Ada',
        lastName: 'Lovelace',
        role: 'user',
        now,
      },
      metadata,
    });

  beforeEach(() => {
    directory = temporaryDirectory();
    stored = new SqliteEventStore(join(directory, 'events.sqlite'));
    keys = new PersonalDataKeyRing(new SqlitePersonalDataKeys(join(directory, 'keys.sqlite')), kek);
    store = new PersonalDataEventStore(stored, keys, userPersonalData);
  });
  afterEach(() => store.close());

  it('stores personal values sealed, chained as stored, and reads them back in clear', async () => {
    await register('ada');
    await decideOnStream(store, userStream('ada'), userDecider, {
      command: { type: 'ChangeUser', userId: 'ada', firstName: 'Augusta', now },
      metadata: admin,
    });
    const [registered, renamed] = await stored.readStream(userStream('ada'));
    expect(JSON.stringify([registered.data, renamed.data])).not.toMatch(/ada@example|Ada|Lovelace|Augusta/);
    expect(registered.data).toMatchObject({ userId: 'ada', companyId: 'c1', email: { sealed: expect.any(String) } });
    expect(registered.metadata.schemaVersion).toBe(2);
    expect(verifyChain(await stored.readStream(userStream('ada')))).toEqual([]);
    const revealed = await store.readStream(userStream('ada'));
    expect(revealed.map((event) => event.data)).toEqual([
      expect.objectContaining({ email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' }),
      expect.objectContaining({ firstName: 'Augusta', lastName: 'Lovelace' }),
    ]);
    // The admin key is no person: its request's address stays as it was.
    expect(registered.metadata).toMatchObject({ ip: '10.0.0.1', userAgent: 'curl' });
  });

  it('reads an erased user’s values as [erased]; the chain still verifies; others are untouched', async () => {
    await register('ada');
    await register('bob');
    await keys.erase('ada');
    const [ada] = await store.readStream(userStream('ada'));
    expect(ada.data).toMatchObject({ email: '[erased]', firstName: '[erased]', lastName: '[erased]' });
    const [bob] = await store.readStream(userStream('bob'));
    expect(bob.data).toMatchObject({ email: 'bob@example.com', firstName: 'Ada' });
    expect(verifyChain(await stored.readStream(userStream('ada')))).toEqual([]);
    const all = await store.readAll({ limit: 10 });
    expect(all.map((event) => (event.data as { email: string }).email)).toEqual(['[erased]', 'bob@example.com']);
  });

  it('seals a user actor’s address and agent under that user’s key', async () => {
    await register('carol');
    const asUser = envelope({ kind: 'user', id: 'carol' }, { ip: '192.0.2.7', userAgent: 'Firefox/133' });
    await register('dave', asUser);
    const [raw] = await stored.readStream(userStream('dave'));
    expect(raw.metadata.ip).toBeUndefined();
    expect(raw.metadata.userAgent).toBeUndefined();
    expect(JSON.stringify(raw.metadata)).not.toMatch(/192\.0\.2\.7|Firefox/);
    expect((await store.readStream(userStream('dave')))[0].metadata).toMatchObject({
      ip: '192.0.2.7',
      userAgent: 'Firefox/133',
    });
    expect((await store.readStream(userStream('dave')))[0].metadata).not.toHaveProperty('sealed');
    await keys.erase('carol');
    const [afterwards] = await store.readStream(userStream('dave'));
    expect(afterwards.metadata).toMatchObject({ ip: '[erased]', userAgent: '[erased]' });
    expect(afterwards.data).toMatchObject({ email: 'dave@example.com' }); // dave's own key is still there
  });

  it('seals a public client’s request address under the key of the user whose grant it is', async () => {
    const device = envelope({ kind: 'anonymous', id: 'spa' }, { ip: '192.0.2.44', userAgent: 'Safari/18' });
    const forAda: NewEvent[] = [{ type: 'TokenIssued', data: { grantId: 'g2', userId: 'ada' }, metadata: device }];
    const generic: NewEvent[] = [{ type: 'TokenIssued', data: { grantId: 'g3', userId: null }, metadata: device }];
    await register('ada');
    await store.append('grant-g2', await store.prepareAppend('grant-g2', forAda), 'no_stream');
    await store.append('grant-g3', await store.prepareAppend('grant-g3', generic), 'no_stream');
    expect(
      JSON.stringify((await stored.readStream('grant-g2')).map(({ data, metadata }) => ({ data, metadata }))),
    ).not.toMatch(/192\.0\.2\.44|Safari/);
    expect((await store.readStream('grant-g2'))[0].metadata).toMatchObject({
      ip: '192.0.2.44',
      userAgent: 'Safari/18',
    });
    // No user to erase it under: nobody this service can name.
    expect((await stored.readStream('grant-g3'))[0].metadata).toMatchObject({ ip: '192.0.2.44' });
    await keys.erase('ada');
    expect((await store.readStream('grant-g2'))[0].metadata).toMatchObject({ ip: '[erased]', userAgent: '[erased]' });
  });

  it('records no address for an erased user’s grant, and never gives that user a key again', async () => {
    // A public client revoking (RFC 7009) a token of a user erased meanwhile: the grant stream is
    // not the user's, so nothing refuses the event; its request must not bring a key back.
    await register('ada');
    await keys.erase('ada');
    const device = envelope({ kind: 'anonymous', id: 'spa' }, { ip: '192.0.2.45', userAgent: 'Safari/18' });
    const revoked: NewEvent[] = [
      { type: 'TokenRevoked', data: { grantId: 'g4', userId: 'ada', reason: 'revoked_by_client' }, metadata: device },
    ];
    await store.append('grant-g4', await store.prepareAppend('grant-g4', revoked), 'no_stream');
    expect(await keys.held(['ada'])).toEqual([]);
    const [raw] = await stored.readStream('grant-g4');
    expect(JSON.stringify(raw.metadata)).not.toMatch(/192\.0\.2\.45|Safari/);
    const [read] = await store.readStream('grant-g4');
    expect(read.metadata.ip).toBeUndefined();
    expect(read.metadata.userAgent).toBeUndefined();
  });

  it('passes the token path through: no copy, no key lookup, the same events', async () => {
    const client = envelope({ kind: 'client', id: 'app' }, { ip: '198.51.100.1', userAgent: 'app/1' });
    const events: NewEvent[] = [{ type: 'TokenIssued', data: { grantId: 'g1', userId: 'ada' }, metadata: client }];
    expect(store.prepareAppend('grant-g1', events)).toBe(events);
    await stored.append('grant-g1', events, 'no_stream');
    const read = await stored.readStream('grant-g1');
    const findMany = jest.spyOn(SqlitePersonalDataKeys.prototype, 'findMany');
    expect(await store.readStream('grant-g1')).toEqual(read);
    expect(findMany).not.toHaveBeenCalled();
    findMany.mockRestore();
  });

  it('refuses an append that skipped sealing: nothing personal is stored in clear, nothing is stored', async () => {
    const data = { userId: 'eve', companyId: 'c1', email: 'eve@example.com', firstName: 'E', lastName: 'V' };
    const user = envelope({ kind: 'user', id: 'eve' }, { ip: '203.0.113.9' });
    await expect(
      store.append(userStream('eve'), [{ type: 'UserRegistered', data, metadata: admin }], 'no_stream'),
    ).rejects.toThrow('UserRegistered on user-eve: personal data reached the store unsealed');
    await expect(
      store.append(
        userStream('eve'),
        [{ type: 'UserDeactivated', data: { userId: 'eve' }, metadata: user }],
        'no_stream',
      ),
    ).rejects.toThrow('unsealed');
    expect(await stored.readStream(userStream('eve'))).toEqual([]);
  });

  it('reads events recorded in clear before this version as they are', async () => {
    const data = { userId: 'old', companyId: 'c1', email: 'old@example.com', firstName: 'O', lastName: 'L' };
    await stored.append(userStream('old'), [{ type: 'UserRegistered', data, metadata: admin }], 'no_stream');
    expect((await store.readStream(userStream('old')))[0].data).toEqual(data);
  });

  it('reveals the batches of a subscription', async () => {
    await register('ada');
    const subscription = store.subscribe({});
    const batches: RecordedEvent[][] = [];
    for await (const batch of subscription) {
      batches.push([...batch]);
      if (subscription.caughtUp) break;
    }
    await subscription.close();
    expect(batches.flat().map((event) => (event.data as { email: string }).email)).toEqual(['ada@example.com']);
  });

  it('makes another instance forget an erased key as soon as it reads the erasure, not a TTL later', async () => {
    const otherKeys = new PersonalDataKeyRing(new SqlitePersonalDataKeys(join(directory, 'keys.sqlite')), kek, {
      maxKeys: 10,
      ttlMs: 3_600_000,
    });
    const other = new PersonalDataEventStore(stored, otherKeys, userPersonalData);
    try {
      await register('ada');
      expect((await other.readStream(userStream('ada')))[0].data).toMatchObject({ email: 'ada@example.com' });
      await decideOnStream(store, userStream('ada'), userDecider, {
        command: { type: 'EraseUser', userId: 'ada', reason: 'asked', now },
        metadata: admin,
      });
      await keys.erase('ada');
      expect((await other.readStream(userStream('ada')))[0].data).toMatchObject({ email: '[erased]' });
    } finally {
      await otherKeys.close();
    }
  });
});
