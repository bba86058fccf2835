import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { decideOnStream } from '../../src/platform/event-store/decide-on-stream';
import { EventStore } from '../../src/platform/event-store/event-store';
import { formatPosition } from '../../src/platform/event-store/position';
import { PersonalDataKeyRing } from '../../src/platform/personal-data/personal-data-key-ring';
import { ProjectionRunner } from '../../src/platform/projections/projection-runner';
import { ErasureReconciler } from '../../src/users/erasure-reconciler';
import { userDecider } from '../../src/users/user.decider';
import { OAuthFixture, type Client } from '../support/oauth-fixtures';
import { type RunningApp, startApp } from '../support/running-app';
import { childEnvironment } from '../support/server-process';

const DIST = join(__dirname, '..', '..', 'dist', 'cli');

function cli(tool: 'audit' | 'rebuild', dataDir: string, ...args: string[]) {
  const run = spawnSync(process.execPath, [join(DIST, `${tool}.js`), ...args], {
    env: childEnvironment({ DATA_DIR: dataDir }),
    encoding: 'utf8',
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Every file under `directory` (the stores, their `-wal` and `-shm` files, keys), recursively. */
function filesUnder(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** The files holding `text`, compared as bytes, ASCII case-insensitively. */
function filesHolding(directory: string, text: string): string[] {
  const needle = text.toLowerCase();
  return filesUnder(directory).filter((file) => readFileSync(file).toString('latin1').toLowerCase().includes(needle));
}

/**
 * The right to erasure, end to end on the real service with embedded stores (the data-directory
 * scan is what it proves, so it runs on them only): a user's personal data is recorded sealed,
 * shown while the user exists, and after `POST …/erase` shows as `[erased]` everywhere (API, audit
 * routes, exports, CLI), stays so across a restart and a rebuild, and appears in no file of the
 * data directory, while the audit trail still verifies and another user is untouched.
 */
describe('erasing a user (crypto-shredding)', () => {
  let service: RunningApp;
  let oauth: OAuthFixture;
  let companyA: string;
  let companyB: string;
  let app: Client;
  let userToken: string;
  let adminOfA: string;
  let adminOfB: string;
  const erased = {
    id: 'zed-erased',
    email: 'Quentin.Zybrowski@erasure-test.example',
    firstName: 'Quentin',
    lastName: 'Zybrowski',
  };
  /** The erased user's name before the erasure: it must be gone as well. */
  const renamed = 'Quintessa';
  const kept = {
    id: 'kept-user',
    email: 'Mirabel.Okonkwo@kept-test.example',
    firstName: 'Mirabel',
    lastName: 'Okonkwo',
  };
  const personal = [erased.email, erased.firstName, erased.lastName, renamed];
  /** Once the revocation cascade has recorded what it will (its `TokenRevoked`s come after an answer). */
  const head = async () => {
    const position = await service.app.get(EventStore).headPosition();
    expect(await service.app.get(ProjectionRunner).waitForPosition('grant_cascade', position, 10_000)).toBe(true);
    const settled = await service.app.get(EventStore).headPosition();
    return formatPosition(settled);
  };
  const json = async (path: string, auth: boolean | string = true) => {
    const response = await service.request(path, { auth });
    expect(response.status).toBe(200);
    return response.text();
  };
  const erase = (userId: string, body: unknown, auth: boolean | string = true) =>
    service.request(`/api/admin/users/${userId}/erase`, { method: 'POST', body: JSON.stringify(body), auth });
  const companyAdminToken = async (companyId: string) => {
    const admin = await oauth.client(companyId, { scopes: ['admin'] });
    const { body } = await oauth.token({
      ...oauth.credentials(admin),
      grant_type: 'client_credentials',
      scope: 'admin',
    });
    return body.access_token as string;
  };
  /** No file of the data directory holds the erased values, and the scan finds what is there. */
  const expectNoTraceInDataDirectory = () => {
    for (const value of personal)
      expect({ value, files: filesHolding(service.dataDir, value) }).toEqual({ value, files: [] });
    // The other user's email, in clear in the users read model: the scan does find what is there.
    expect(filesHolding(service.dataDir, kept.email).length).toBeGreaterThan(0);
  };
  const expectNoPersonalData = (text: string) => {
    for (const value of personal) expect(text.toLowerCase()).not.toContain(value.toLowerCase());
  };

  beforeAll(async () => {
    service = await startApp();
    oauth = new OAuthFixture(service);
    companyA = await oauth.company('Erasers', 5);
    companyB = await oauth.company('Others', 5);
    app = await oauth.client(companyA);
    adminOfA = await companyAdminToken(companyA);
    adminOfB = await companyAdminToken(companyB);
    await oauth.user(companyA, erased);
    await oauth.user(companyA, kept);
    await oauth.admin('PATCH', `/api/admin/users/${erased.id}`, { firstName: renamed });
    userToken = (await oauth.tokens(app, erased.id)).access_token;
    expect((await oauth.introspect(app, userToken)).active).toBe(true);
  });
  afterAll(() => service.close());

  it('stores the personal values sealed: the events as stored hold no email or name', async () => {
    const stored = filesHolding(service.dataDir, erased.email).filter((file) => file.includes('events'));
    expect(stored).toEqual([]);
    // …while the users API shows them, opened.
    expect(JSON.parse(await json(`/api/admin/users/${erased.id}`))).toMatchObject({
      email: erased.email,
      firstName: renamed,
    });
  });

  it("refuses another company's administrator as if the user did not exist, changing nothing", async () => {
    const before = await head();
    const refused = await erase(erased.id, { reason: 'asked by the data subject' }, adminOfB);
    expect(refused.status).toBe(404);
    expect(await head()).toBe(before);
    expect(await service.app.get(PersonalDataKeyRing).held([erased.id])).toEqual([erased.id]);
  });

  it('refuses an erasure without a reason, or with one too long, changing nothing', async () => {
    const before = await head();
    expect((await erase(erased.id, {})).status).toBe(400);
    expect((await erase(erased.id, { reason: 'x'.repeat(501) })).status).toBe(400);
    expect(await head()).toBe(before);
  });

  it("erases for the user's company administrator: tokens end, seat, email and key are given up", async () => {
    const before = await head();
    const response = await erase(erased.id, { reason: 'data subject request #42' }, adminOfA);
    expect(response.status).toBe(200);
    const user = await response.json();
    expect(user).toMatchObject({
      id: erased.id,
      companyId: companyA,
      email: '[erased]',
      firstName: '[erased]',
      lastName: '[erased]',
      status: 'erased',
    });
    const types = await oauth.typesSince(before);
    expect(types.filter((type) => type !== 'TokenRevoked')).toEqual([
      'UserTokensRevoked',
      'UserErased',
      'CompanyUserSeatReleased',
      'UserEmailReleased',
    ]);
    expect((await oauth.introspect(app, userToken)).active).toBe(false);
    expect(await service.app.get(PersonalDataKeyRing).held([erased.id])).toEqual([]);
    // Right away, on the running service: its stores' write-ahead logs included.
    expectNoTraceInDataDirectory();
    // The email is free again in that company.
    await oauth.user(companyA, { id: 'newcomer', email: erased.email, firstName: 'New', lastName: 'Comer' });
    await oauth.admin('POST', `/api/admin/users/newcomer/erase`, { reason: 'test clean-up' });
  });

  it('answers a second erasure the same, recording nothing', async () => {
    const before = await head();
    const again = await erase(erased.id, { reason: 'asked twice' });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ id: erased.id, status: 'erased', email: '[erased]' });
    expect(await head()).toBe(before);
  });

  it('refuses every other write to the erased user, changing nothing', async () => {
    const before = await head();
    const writes: Array<[string, string, unknown]> = [
      ['PATCH', `/api/admin/users/${erased.id}`, { firstName: 'Back' }],
      ['POST', `/api/admin/users/${erased.id}/deactivate`, undefined],
      ['POST', `/api/admin/users/${erased.id}/reactivate`, undefined],
    ];
    for (const [method, path, body] of writes) {
      const response = await service.request(path, { method, ...(body ? { body: JSON.stringify(body) } : {}) });
      expect({ path, status: response.status }).toEqual({ path, status: 409 });
      expect((await response.json()).code).toBe('user_erased');
    }
    expect(await head()).toBe(before);
  });

  it('shows [erased] on the API and every audit route, and the other user as before', async () => {
    const views = [
      await json(`/api/admin/users/${erased.id}`),
      await json(`/api/admin/users?companyId=${companyA}`),
      await json(`/api/admin/audit/events?userId=${erased.id}`),
      await json(`/api/admin/audit/events?type=UserRegistered&type=UserProfileChanged`),
      await json(`/api/admin/audit/streams/user-${erased.id}`),
      await json(`/api/admin/audit/users/${erased.id}/as-of?at=${encodeURIComponent(new Date().toISOString())}`),
      await json('/api/admin/audit/export'),
      await json('/api/admin/audit/export?format=csv'),
    ];
    for (const view of views) expectNoPersonalData(view);
    expect(views.every((view) => view.includes('[erased]'))).toBe(true);
    const stream = JSON.parse(views[4]);
    expect(stream.chain).toEqual({ ok: true, breaks: [] });
    expect(stream.items[0].data).toMatchObject({ email: '[erased]', firstName: '[erased]', lastName: '[erased]' });
    const exported = views[6] + views[7];
    expect(exported).toContain(kept.email);
    expect(JSON.parse(await json(`/api/admin/users/${kept.id}`))).toMatchObject(kept);
  });

  it('shows [erased] in the audit command line, which verifies the trail', () => {
    const events = cli('audit', service.dataDir, 'events', '--stream', `user-${erased.id}`);
    expect(events.status).toBe(0);
    expect(events.stdout).toContain('[erased]');
    expectNoPersonalData(events.stdout);
    const csv = cli('audit', service.dataDir, 'export', '--format', 'csv');
    expect(csv.status).toBe(0);
    expectNoPersonalData(csv.stdout);
    expect(csv.stdout).toContain(kept.email);
    const asOf = cli('audit', service.dataDir, 'as-of', 'user', erased.id, '--at', new Date().toISOString());
    expect(JSON.parse(asOf.stdout).user).toMatchObject({ firstName: '[erased]', status: 'erased' });
    expect(cli('audit', service.dataDir, 'verify').status).toBe(0);
  });

  it('stays erased across a restart and a rebuild; the trail verifies; no file holds the personal data', async () => {
    await service.close();
    service = await startApp({ DATA_DIR: service.dataDir });
    oauth = new OAuthFixture(service);
    expect(JSON.parse(await json(`/api/admin/users/${erased.id}`))).toMatchObject({ email: '[erased]' });
    expect(JSON.parse(await json(`/api/admin/users/${kept.id}`))).toMatchObject(kept);
    expect((await oauth.introspect(app, userToken)).active).toBe(false);

    const rebuilt = cli('rebuild', service.dataDir, '--compare');
    expect({ status: rebuilt.status, stderr: rebuilt.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
    expect(rebuilt.stdout).toContain('"projection":"users_v1"');
    // The rebuild never touches the key store: the other user's history still opens.
    expect(await service.app.get(PersonalDataKeyRing).held([kept.id])).toEqual([kept.id]);
    expect(await json(`/api/admin/audit/streams/user-${kept.id}`)).toContain(kept.email);
    const verified = JSON.parse(await json('/api/admin/audit/verify'));
    expect(verified).toMatchObject({ ok: true, breaks: [] });

    // While the service runs (write-ahead logs in use), then once it has stopped.
    expectNoTraceInDataDirectory();
    await service.close();
    expectNoTraceInDataDirectory();
    service = await startApp({ DATA_DIR: service.dataDir });
  });
});

/**
 * An erasure is several steps: the events, then the seat, the email and the key. A crash right
 * after the events is played here by appending them alone; the reconciler, at start and then
 * periodically, must finish it: key deleted, seat and email given back, the data directory clean.
 */
describe('an erasure cut short by a crash', () => {
  let service: RunningApp;
  let oauth: OAuthFixture;
  let companyId: string;
  const user = {
    id: 'crashed-erasure',
    email: 'Theodora.Vasquez-Brandt@crash-test.example',
    firstName: 'Theodora',
    lastName: 'Vasquez',
  };

  beforeAll(async () => {
    service = await startApp();
    oauth = new OAuthFixture(service);
    companyId = await oauth.company('Crashes', 1);
    await oauth.user(companyId, user);
  });
  afterAll(() => service.close());

  it('is finished by the reconciler after a restart: key deleted, seat and email given back', async () => {
    await decideOnStream(service.app.get(EventStore), `user-${user.id}`, userDecider, {
      command: { type: 'EraseUser', userId: user.id, reason: 'crash test', now: new Date().toISOString() },
      metadata: {
        actor: { kind: 'admin', id: 'crash-test' },
        correlationId: 'crashed-request',
        causationId: 'crashed-request',
        companyId,
        at: new Date().toISOString(),
        schemaVersion: 1,
      },
    });
    // Still there: the process "died" before the key went.
    expect(await service.app.get(PersonalDataKeyRing).held([user.id])).toEqual([user.id]);
    await service.close();
    service = await startApp({ DATA_DIR: service.dataDir });
    oauth = new OAuthFixture(service);
    await service.app.get(ErasureReconciler).reconcile(); // its own run at start may have done it already
    expect(await service.app.get(PersonalDataKeyRing).held([user.id])).toEqual([]);
    const stream = JSON.parse(await (await service.request(`/api/admin/audit/streams/user-${user.id}`)).text());
    expect(stream.items[0].data).toMatchObject({ email: '[erased]', firstName: '[erased]' });
    for (const value of [user.email, user.firstName, user.lastName])
      expect({ value, files: filesHolding(service.dataDir, value) }).toEqual({ value, files: [] });
    // The company's one licence and the email are free: a newcomer takes both.
    await oauth.user(companyId, { id: 'newcomer', email: user.email, firstName: 'New', lastName: 'Comer' });
    expect(await service.app.get(ErasureReconciler).reconcile()).toBe(0); // nothing left to finish
  });
});
