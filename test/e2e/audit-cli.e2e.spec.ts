import Database from 'better-sqlite3';
import { execFile, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { startApp } from '../support/running-app';
import { childEnvironment } from '../support/server-process';

const CLI = join(__dirname, '..', '..', 'dist', 'cli', 'audit.js');

function audit(dataDir: string, ...args: string[]) {
  const run = spawnSync(process.execPath, [CLI, ...args], {
    env: childEnvironment({ DATA_DIR: dataDir }),
    encoding: 'utf8',
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** `npm run audit`: the reviewer's command line, on the embedded store directly. */
describe('npm run audit', () => {
  let dataDir: string;

  beforeAll(async () => {
    const service = await startApp();
    dataDir = service.dataDir;
    const company = await (
      await service.request('/api/admin/companies', { method: 'POST', body: JSON.stringify({ name: 'CLI, "quoted"' }) })
    ).json();
    await service.request('/api/admin/users', {
      method: 'POST',
      body: JSON.stringify({
        id: 'cli_user',
        companyId: company.id,
        email: 'c@example.com',
        firstName: 'C',
        lastName: 'L',
        role: 'user',
      }),
    });
    await service.close();
  });

  it('lists events with filters, as JSON lines', () => {
    const run = audit(dataDir, 'events', '--type', 'UserRegistered', '--type', 'CompanyRegistered');
    expect(run.status).toBe(0);
    const items = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(items.map((item) => item.type)).toEqual(['CompanyRegistered', 'UserRegistered']);
  });

  it('exports CSV with one row per event, quoted where needed', () => {
    const run = audit(dataDir, 'export', '--format', 'csv', '--category', 'company');
    expect(run.status).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^position,stream,revision,type/);
    expect(lines.slice(1).every((line) => line.includes(',company-'))).toBe(true);
    expect(run.stdout).toContain('""CLI, \\""quoted\\""""');
  });

  it('answers as-of, and verifies a clean store with exit 0', () => {
    const asOf = audit(dataDir, 'as-of', 'user', 'cli_user', '--at', '2999-01-01T00:00:00Z');
    expect(asOf.status).toBe(0);
    expect(JSON.parse(asOf.stdout)).toMatchObject({ user: { userId: 'cli_user', status: 'active' } });
    const verify = audit(dataDir, 'verify');
    expect(verify.status).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, breaks: [] });
  });

  it('replays every read model and finds it equal to the live one', () => {
    const run = audit(dataDir, 'replay');
    expect(run.status).toBe(0);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.projection)).toEqual([
      'companies',
      'clients',
      'agents',
      'users',
      'grants',
      'audit_index',
      'pending_registrations',
    ]);
    expect(lines.every((line) => line.differences === 0)).toBe(true);
  });

  it('exits 1 and names the position when an event was edited', () => {
    const db = new Database(join(dataDir, 'events.sqlite'));
    const row = db
      .prepare<[], { position: number; data: string }>(
        "SELECT position, data FROM events WHERE stream = 'user-cli_user'",
      )
      .get()!;
    // The role: the names are sealed (architecture §4.1), and an edit there would show the same.
    const edited = row.data.replace('"role":"user"', '"role":"company_admin"');
    expect(edited).not.toBe(row.data);
    db.prepare('UPDATE events SET data = ? WHERE position = ?').run(edited, row.position);
    db.close();
    const run = audit(dataDir, 'verify');
    expect(run.status).toBe(1);
    expect(JSON.parse(run.stdout).breaks).toEqual([
      expect.objectContaining({
        position: `${row.position}/${row.position}`,
        stream: 'user-cli_user',
        reason: 'hash_mismatch',
      }),
    ]);
  });

  it('exits 2 with the usage on a bad command or filter', () => {
    expect(audit(dataDir, 'bogus')).toMatchObject({
      status: 2,
      stderr: expect.stringContaining('usage: npm run audit'),
    });
    expect(audit(dataDir, 'events', '--limit', '5000')).toMatchObject({ status: 2 });
  });
});

/** `npm run audit -- --url`: the same questions of a running service, the credential from the environment. */
describe('npm run audit --url', () => {
  const remote = (environment: Record<string, string>, ...args: string[]) =>
    new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
      // Not spawnSync: the service answering runs in this very process.
      execFile(process.execPath, [CLI, ...args], { env: childEnvironment(environment) }, (error, stdout, stderr) =>
        resolve({ status: error ? Number(error.code) : 0, stdout, stderr }),
      );
    });

  it('asks the service with the credential from AUDIT_TOKEN, and refuses one given as an argument', async () => {
    const service = await startApp();
    try {
      await service.request('/api/admin/companies', { method: 'POST', body: JSON.stringify({ name: 'Remote' }) });
      const listed = await remote(
        { AUDIT_TOKEN: service.adminKey },
        'events',
        '--category',
        'company',
        '--url',
        service.baseUrl,
      );
      expect(listed.status).toBe(0);
      const events = listed.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { type: string; data: { name: string } });
      expect(events).toEqual([
        expect.objectContaining({ type: 'CompanyRegistered', data: expect.objectContaining({ name: 'Remote' }) }),
      ]);

      const asArgument = await remote({}, 'events', '--url', service.baseUrl, '--token', service.adminKey);
      expect(asArgument).toMatchObject({ status: 2, stdout: '' });
      expect(asArgument.stderr).toContain('pass the credential in AUDIT_TOKEN, not --token');
      const without = await remote({}, 'events', '--url', service.baseUrl);
      expect(without).toMatchObject({ status: 2, stdout: '' });
      expect(without.stderr).toContain('--url needs AUDIT_TOKEN');
      const wrong = await remote(
        { AUDIT_TOKEN: 'not-the-admin-key-'.padEnd(40, 'x') },
        'events',
        '--url',
        service.baseUrl,
      );
      expect(wrong.status).toBe(2);
      expect(wrong.stderr).toContain('401');
    } finally {
      await service.close();
    }
  });
});
