import { createHash, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporaryDirectory } from '../../test/support/temporary-directory';
import { AppConfig } from '../config/app-config';
import type { RequestContext } from '../platform/auth/request-context';
import type { EventStore } from '../platform/event-store/event-store';
import { SqliteEventStore } from '../platform/event-store/sqlite-event-store';
import { SIGNING_KEYS_STREAM } from './signing-key.decider';
import { SigningKeys } from './signing-keys';

const SECOND = 1000;
const DELAY = 600; // KEY_ACTIVATION_DELAY_SECONDS
const TTL = 3600; // ACCESS_TOKEN_TTL_SECONDS
const admin: RequestContext = { actor: { kind: 'admin', id: 'api-key:test' }, correlationId: 'rotation-1' };

describe('SigningKeys', () => {
  let dataDir: string;
  let config: AppConfig;
  let store: EventStore;
  const keyDir = () => config.signingKeysDir;
  const keyFiles = () => readdirSync(keyDir()).filter((name) => name.endsWith('.json'));
  const open = () => new SigningKeys(config, store);

  beforeEach(() => {
    dataDir = temporaryDirectory();
    config = AppConfig.fromEnvironment({
      DATA_DIR: dataDir,
      KEY_ACTIVATION_DELAY_SECONDS: String(DELAY),
      ACCESS_TOKEN_TTL_SECONDS: String(TTL),
    });
    store = new SqliteEventStore(join(dataDir, 'events.sqlite'));
  });
  afterEach(() => store.close());

  /** RFC 7638 §3, computed here independently of the code under test. */
  function thumbprintOfKeyFile(kid: string): { thumbprint: string; d: string } {
    const { privateKeyPem } = JSON.parse(readFileSync(join(keyDir(), `${kid}.json`), 'utf8'));
    const privateKey = createPrivateKey(privateKeyPem);
    const { x, y } = createPublicKey(privateKey).export({ format: 'jwk' });
    const canonical = `{"crv":"P-256","kty":"EC","x":"${x}","y":"${y}"}`;
    const thumbprint = createHash('sha256').update(canonical).digest().toString('base64url');
    return { thumbprint, d: privateKey.export({ format: 'jwk' }).d! };
  }

  it('creates exactly one private key file (0600, directory 0700) at first start and reuses it', () => {
    const first = open().current();
    expect(keyFiles()).toEqual([`${first.kid}.json`]);
    expect(statSync(join(keyDir(), `${first.kid}.json`)).mode & 0o777).toBe(0o600);
    expect(statSync(keyDir()).mode & 0o777).toBe(0o700);
    const file = JSON.parse(readFileSync(join(keyDir(), `${first.kid}.json`), 'utf8'));
    expect(file).toEqual({
      kid: first.kid,
      alg: 'ES256',
      privateKeyPem: expect.stringMatching(/^-----BEGIN PRIVATE KEY-----\n/), // PKCS#8
      createdAt: expect.any(String),
      activatesAt: file.createdAt,
    });

    const restarted = open();
    expect(restarted.current().kid).toBe(first.kid);
    expect(restarted.jwks().keys.map((key) => key.kid)).toEqual([first.kid]);
    expect(keyFiles()).toHaveLength(1);
  });

  it('names a key by its RFC 7638 JWK thumbprint and publishes public members only', () => {
    const keys = open();
    const { kid } = keys.current();
    expect(kid).toBe(thumbprintOfKeyFile(kid).thumbprint);
    const [published] = keys.jwks().keys;
    expect(Object.keys(published).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    expect(published).toMatchObject({ kty: 'EC', crv: 'P-256', kid, alg: 'ES256', use: 'sig' });
    expect(keys.jwksJson()).not.toMatch(/"d"|PRIVATE/);
    expect(JSON.parse(keys.jwksJson())).toEqual(keys.jwks());
  });

  it('verifies with publicKey(kid) what current() signs (ES256, r || s: RFC 7518 §3.4)', () => {
    const keys = open();
    const { kid, alg, privateKey } = keys.current();
    expect(alg).toBe('ES256');
    const signature = sign('sha256', Buffer.from('header.payload'), { key: privateKey, dsaEncoding: 'ieee-p1363' });
    expect(signature).toHaveLength(64);
    const publicKey = keys.publicKey(kid)!;
    expect(
      verify('sha256', Buffer.from('header.payload'), { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature),
    ).toBe(true);
    expect(verify('sha256', Buffer.from('tampered'), { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)).toBe(
      false,
    );
    expect(keys.publicKey('unknown-kid')).toBeUndefined();
  });

  it('publishes a rotated key before it signs and the old one until its tokens have expired', async () => {
    const keys = open();
    const t0 = Date.now();
    const at = (seconds: number) => new Date(t0 + seconds * SECOND);
    const old = keys.current(at(0)).kid;

    const rotation = await keys.rotate(admin, at(1));
    expect(rotation.activatesAt).toBe(at(1 + DELAY).toISOString());
    const kids = (seconds: number) => keys.jwks(at(seconds)).keys.map((key) => key.kid);

    // Staged: published at once, not yet signing.
    expect(kids(1)).toEqual([rotation.kid, old]);
    expect(keys.current(at(DELAY)).kid).toBe(old);
    expect(keys.publicKey(rotation.kid, at(1))).toBeDefined();
    // Active after the delay; the old key is retired but still verifies its tokens.
    expect(keys.current(at(1 + DELAY)).kid).toBe(rotation.kid);
    expect(kids(1 + DELAY + TTL - 1)).toEqual([rotation.kid, old]);
    expect(keys.publicKey(old, at(1 + DELAY + TTL - 1))).toBeDefined();
    // Its last token expired: gone from the JWKS and from verification.
    expect(kids(1 + DELAY + TTL)).toEqual([rotation.kid]);
    expect(keys.publicKey(old, at(1 + DELAY + TTL))).toBeUndefined();
    // The key file is in place, 0600, and a restart sees the same schedule.
    expect(keyFiles().sort()).toEqual([`${old}.json`, `${rotation.kid}.json`].sort());
    expect(statSync(join(keyDir(), `${rotation.kid}.json`)).mode & 0o777).toBe(0o600);
    expect(open().current(at(1 + DELAY)).kid).toBe(rotation.kid);
    expect(open().current(at(DELAY)).kid).toBe(old);
  });

  it('serves the JWKS from memory and rebuilds it only when the published set changes', async () => {
    const keys = open();
    const t0 = Date.now();
    const at = (seconds: number) => new Date(t0 + seconds * SECOND);
    const before = keys.jwksJson(at(0));
    expect(keys.jwksJson(at(10))).toBe(before); // the same string, not an equal one
    await keys.rotate(admin, at(1));
    const after = keys.jwksJson(at(2));
    expect(JSON.parse(after).keys).toHaveLength(2);
    expect(keys.jwksJson(at(1 + DELAY + TTL - 1))).toBe(after);
    expect(JSON.parse(keys.jwksJson(at(1 + DELAY + TTL))).keys).toHaveLength(1);
  });

  it('records the rotation on signingkeys-main with public material only', async () => {
    const keys = open();
    const old = keys.current().kid;
    const rotation = await keys.rotate(admin);
    const [event, ...more] = await store.readStream(SIGNING_KEYS_STREAM);
    expect(more).toEqual([]);
    expect(event.type).toBe('SigningKeyRotated');
    expect(event.data).toEqual({
      kid: rotation.kid,
      publicJwk: keys.jwks().keys.find((key) => key.kid === rotation.kid),
      activatesAt: rotation.activatesAt,
      previousKid: old,
      rotatedAt: expect.any(String),
    });
    expect(event.metadata).toMatchObject({ actor: admin.actor, correlationId: 'rotation-1', schemaVersion: 1 });
    const recorded = JSON.stringify({ data: event.data, metadata: event.metadata });
    expect(recorded).not.toContain(thumbprintOfKeyFile(rotation.kid).d);
    expect(recorded).not.toMatch(/PRIVATE KEY|"d"/);
  });

  it('refuses a second rotation while a key is staged, leaving no file and no event behind', async () => {
    const keys = open();
    await keys.rotate(admin);
    await expect(keys.rotate(admin, new Date(Date.now() + SECOND))).rejects.toMatchObject({
      code: 'signing_key_rotation_pending',
    });
    expect(keyFiles()).toHaveLength(2);
    expect(readdirSync(keyDir())).toHaveLength(2); // no temp file left
    expect(await store.readStream(SIGNING_KEYS_STREAM)).toHaveLength(1);
  });

  it('lets another instance sharing the directory pick up a rotation from its event', async () => {
    const here = open();
    const there = open();
    there.onModuleInit();
    try {
      const { kid } = await here.rotate(admin);
      const deadline = Date.now() + 5 * SECOND;
      while (!there.publicKey(kid) && Date.now() < deadline) await new Promise((done) => setTimeout(done, 20));
      expect(there.jwks().keys.map((key) => key.kid)).toEqual(here.jwks().keys.map((key) => key.kid));
    } finally {
      await there.onModuleDestroy();
    }
  });

  it('resumes following rotations after its subscription drops', async () => {
    let drops = 1;
    const dropping = new Proxy(store, {
      get(target, property, receiver) {
        if (property !== 'subscribe') return Reflect.get(target, property, receiver);
        return (options: Parameters<EventStore['subscribe']>[0]) => {
          if (drops-- <= 0) return target.subscribe(options);
          return {
            caughtUp: false,
            close: async () => undefined,
            async *[Symbol.asyncIterator]() {
              throw new Error('connection reset');
            },
          };
        };
      },
    });
    const here = open();
    const there = new SigningKeys(config, dropping);
    there.onModuleInit();
    try {
      await new Promise((done) => setTimeout(done, 800)); // the first attempt fails, the next one follows
      const { kid } = await here.rotate(admin);
      const deadline = Date.now() + 5 * SECOND;
      while (!there.publicKey(kid) && Date.now() < deadline) await new Promise((done) => setTimeout(done, 20));
      expect(there.publicKey(kid)).toBeDefined();
    } finally {
      await there.onModuleDestroy();
    }
  });

  it('stops at once when shut down while the event store has not answered yet', async () => {
    const slow = new Proxy(store, {
      get(target, property, receiver) {
        if (property !== 'headPosition') return Reflect.get(target, property, receiver);
        return () => new Promise((done) => setTimeout(() => done(target.headPosition()), 500));
      },
    });
    const keys = new SigningKeys(config, slow);
    keys.onModuleInit();
    const stopping = Date.now();
    await keys.onModuleDestroy();
    expect(Date.now() - stopping).toBeLessThan(2_000);
  });

  it('refuses to start on a key file whose kid is not its thumbprint', () => {
    const { kid } = open().current();
    const file = JSON.parse(readFileSync(join(keyDir(), `${kid}.json`), 'utf8'));
    const forged = 'A'.repeat(43);
    writeFileSync(join(keyDir(), `${forged}.json`), JSON.stringify({ ...file, kid: forged }), { mode: 0o600 });
    expect(open).toThrow(/not the RFC 7638 thumbprint/);
  });
});
