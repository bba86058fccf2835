import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventStore } from '../../src/platform/event-store/event-store';
import { formatPosition } from '../../src/platform/event-store/position';
import { type RunningApp, startApp } from '../support/running-app';

describe('signing keys over HTTP', () => {
  let service: RunningApp;
  const head = async () => formatPosition(await service.app.get(EventStore).headPosition());
  const jwks = async () => {
    const response = await service.request('/.well-known/jwks.json', { auth: false });
    expect(response.status).toBe(200);
    return response.json() as Promise<{ keys: Array<Record<string, string>> }>;
  };

  beforeAll(async () => {
    service = await startApp({ KEY_ACTIVATION_DELAY_SECONDS: '0' });
  });
  afterAll(async () => service.close());

  it('publishes one ES256 public key at first start, cacheable, without private members', async () => {
    const response = await service.request('/.well-known/jwks.json', { auth: false });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('cache-control')).toBe('public, max-age=300');
    const { keys } = await response.json();
    expect(keys).toEqual([
      {
        kty: 'EC',
        crv: 'P-256',
        x: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        y: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        kid: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        alg: 'ES256',
        use: 'sig',
      },
    ]);
  });

  it('refuses a rotation without the admin key, changing nothing', async () => {
    const before = await head();
    const kids = (await jwks()).keys.map((key) => key.kid);
    for (const auth of [false, 'not-the-admin-key']) {
      const response = await service.request('/api/admin/keys/rotate', { method: 'POST', auth });
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    expect(await head()).toBe(before);
    expect((await jwks()).keys.map((key) => key.kid)).toEqual(kids);
  });

  it('rotates: both keys published, the rotation recorded with public material only', async () => {
    const [first] = (await jwks()).keys;
    const response = await service.request('/api/admin/keys/rotate', {
      method: 'POST',
      headers: { 'x-request-id': 'rotate-1' },
    });
    expect(response.status).toBe(200);
    const rotation = await response.json();
    expect(rotation).toEqual({ kid: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), activatesAt: expect.any(String) });
    expect(rotation.kid).not.toBe(first.kid);

    const { keys } = await jwks();
    expect(keys.map((key) => key.kid).sort()).toEqual([first.kid, rotation.kid].sort());

    const events = await service.app.get(EventStore).readStream('signingkeys-main');
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event.type).toBe('SigningKeyRotated');
    expect(event.data).toEqual({
      kid: rotation.kid,
      publicJwk: keys.find((key) => key.kid === rotation.kid),
      activatesAt: rotation.activatesAt,
      previousKid: first.kid,
      rotatedAt: expect.any(String),
    });
    expect(event.metadata).toMatchObject({ actor: { kind: 'admin' }, requestId: 'rotate-1' });
    expect(event.metadata.correlationId).not.toBe('rotate-1');
    // The private scalar of the new key, read from its file, appears nowhere in the event.
    const file = JSON.parse(readFileSync(join(service.dataDir, 'signing-keys', `${rotation.kid}.json`), 'utf8'));
    const { d } = createPrivateKey(file.privateKeyPem).export({ format: 'jwk' });
    const recorded = JSON.stringify({ data: event.data, metadata: event.metadata });
    expect(recorded).not.toContain(d);
    expect(recorded).not.toMatch(/PRIVATE KEY|"d"/);
  });

  it('serves the same keys after a restart on the same data directory', async () => {
    const kids = (await jwks()).keys.map((key) => key.kid);
    await service.close();
    service = await startApp({ DATA_DIR: service.dataDir, KEY_ACTIVATION_DELAY_SECONDS: '0' });
    expect((await jwks()).keys.map((key) => key.kid)).toEqual(kids);
  });

  it('with an activation delay, refuses a second rotation while the staged key waits (409)', async () => {
    await service.close();
    service = await startApp({ DATA_DIR: service.dataDir, KEY_ACTIVATION_DELAY_SECONDS: '3600' });
    const staged = await service.request('/api/admin/keys/rotate', { method: 'POST' });
    expect(staged.status).toBe(200);
    const { kid, activatesAt } = await staged.json();
    expect(Date.parse(activatesAt) - Date.now()).toBeGreaterThan(3500 * 1000);
    expect((await jwks()).keys.map((key) => key.kid)).toContain(kid);

    const before = await head();
    const again = await service.request('/api/admin/keys/rotate', { method: 'POST' });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ status: 409, code: 'signing_key_rotation_pending' });
    expect(await head()).toBe(before);
  });
});
