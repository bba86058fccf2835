import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startApp } from '../support/running-app';
import { childEnvironment, SERVER_ENTRY } from '../support/server-process';
import { temporaryDirectory } from '../support/temporary-directory';

/**
 * The personal-data secret is what every user's data key is wrapped under and what email
 * reservations are named with. A data directory started with another one (a lost
 * `personal-data.key` regenerated, a changed `PERSONAL_DATA_SECRET`) must not come up sealing
 * under keys nobody else opens and naming reservations anew: the built service refuses to start
 * (exit 1), logging which secret to restore, and starts again once it is back.
 */
describe('a data directory started with another personal-data secret', () => {
  const start = (dataDir: string, environment: Record<string, string> = {}) =>
    spawnSync(process.execPath, [SERVER_ENTRY], {
      env: childEnvironment({ DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'error', ...environment }),
      encoding: 'utf8',
      timeout: 15_000,
    });

  it('refuses to start, naming the secret, and changes nothing', async () => {
    const dataDir = temporaryDirectory();
    const service = await startApp({ DATA_DIR: dataDir, PERSONAL_DATA_SECRET: 'the-first-secret-'.padEnd(40, 'x') });
    const company = await (
      await service.request('/api/admin/companies', { method: 'POST', body: JSON.stringify({ name: 'Acme' }) })
    ).json();
    const registered = await service.request('/api/admin/users', {
      method: 'POST',
      body: JSON.stringify({
        id: 'ada',
        companyId: company.id,
        email: 'ada@example.com',
        firstName: 'Ada',
        lastName: 'Lovelace',
        role: 'user',
      }),
    });
    expect(registered.status).toBe(201);
    await service.close();

    const refused = start(dataDir, { PERSONAL_DATA_SECRET: 'another-secret-'.padEnd(40, 'y') });
    expect(refused.status).toBe(1);
    // Said in the structured log, as every failure to start is.
    const logged = refused.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(logged).toContainEqual(
      expect.objectContaining({
        level: 50,
        msg: expect.stringContaining(
          'the personal-data key store was written under another personal-data secret: restore the PERSONAL_DATA_SECRET',
        ),
      }),
    );

    // The same with the generated file instead of the variable: a lost file regenerated is refused too.
    const fileDir = temporaryDirectory();
    const first = await startApp({ DATA_DIR: fileDir });
    await first.request('/api/admin/companies', { method: 'POST', body: JSON.stringify({ name: 'Acme' }) });
    const user = { id: 'bob', email: 'bob@example.com', firstName: 'Bob', lastName: 'B', role: 'user' };
    const companyB = await (
      await first.request('/api/admin/companies', { method: 'POST', body: JSON.stringify({ name: 'B' }) })
    ).json();
    await first.request('/api/admin/users', {
      method: 'POST',
      body: JSON.stringify({ ...user, companyId: companyB.id }),
    });
    await first.close();
    writeFileSync(join(fileDir, 'signing-keys', 'personal-data.key'), `${randomBytes(32).toString('base64url')}\n`);
    expect(start(fileDir).status).toBe(1);

    // With the secret it was written with, the service starts and reads the user as before.
    const again = await startApp({ DATA_DIR: dataDir, PERSONAL_DATA_SECRET: 'the-first-secret-'.padEnd(40, 'x') });
    try {
      expect(await (await again.request('/api/admin/users/ada')).json()).toMatchObject({
        email: 'ada@example.com',
        firstName: 'Ada',
      });
    } finally {
      await again.close();
    }
  }, 60_000);
});
