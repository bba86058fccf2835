import Database from 'better-sqlite3';
import { join } from 'node:path';
import { type RunningApp, startApp } from '../support/running-app';
import { temporaryDirectory } from '../support/temporary-directory';

/**
 * Signed checkpoints catch what per-stream chains cannot: a whole stream deleted, or the global
 * order rewritten. Each case tampers with a closed store file, then verifies on a fresh start.
 */
describe('audit checkpoints', () => {
  const post = async (service: RunningApp, path: string, body: unknown = {}) =>
    service.request(path, { method: 'POST', body: JSON.stringify(body) });

  async function sealedStore(): Promise<{ dataDir: string; checkpoint: { toPosition: string; sequence: number } }> {
    const dataDir = temporaryDirectory();
    const service = await startApp({ DATA_DIR: dataDir });
    const company = await (await post(service, '/api/admin/companies', { name: 'Sealed' })).json();
    for (const id of ['a1', 'a2']) {
      await post(service, '/api/admin/users', {
        id,
        companyId: company.id,
        email: `${id}@example.com`,
        firstName: 'A',
        lastName: id,
        role: 'user',
      });
    }
    const created = await post(service, '/api/admin/audit/checkpoints');
    expect(created.status).toBe(201);
    const checkpoint = await created.json();
    expect(checkpoint).toMatchObject({
      sequence: 1,
      fromPosition: '-1/-1',
      events: expect.any(Number),
      signature: expect.any(String),
    });
    expect((await post(service, '/api/admin/audit/checkpoints')).status).toBe(200); // nothing new to seal
    const latest = await service.request('/api/admin/audit/checkpoints/latest');
    expect(latest.status).toBe(200);
    expect(await latest.json()).toEqual(checkpoint);
    await service.close();
    return { dataDir, checkpoint };
  }

  async function verify(dataDir: string) {
    const service = await startApp({ DATA_DIR: dataDir });
    try {
      const response = await service.request('/api/admin/audit/verify');
      expect(response.status).toBe(200);
      return await response.json();
    } finally {
      await service.close();
    }
  }

  function tamper(dataDir: string, change: (db: Database.Database) => void): void {
    const db = new Database(join(dataDir, 'events.sqlite'));
    change(db);
    db.close();
  }

  it('verifies a sealed, untouched store, and says how far the seal reaches', async () => {
    const { dataDir, checkpoint } = await sealedStore();
    const report = await verify(dataDir);
    expect(report).toMatchObject({ ok: true, checkpoints: 1, sealedUpTo: checkpoint.toPosition, breaks: [] });
  });

  it('reports a whole stream deleted before the checkpoint', async () => {
    const { dataDir, checkpoint } = await sealedStore();
    tamper(dataDir, (db) => db.prepare("DELETE FROM events WHERE stream = 'user-a1'").run());
    const report = await verify(dataDir);
    expect(report.ok).toBe(false);
    expect(report.breaks).toEqual([
      expect.objectContaining({
        reason: 'checkpoint_mismatch',
        stream: 'auditcheckpoint-1',
        position: checkpoint.toPosition,
      }),
    ]);
    expect(report.sealedUpTo).toBeNull();
  });

  it('reports a forged checkpoint signature', async () => {
    const { dataDir } = await sealedStore();
    tamper(dataDir, (db) => {
      const row = db
        .prepare<[], { position: number; data: string }>(
          "SELECT position, data FROM events WHERE stream = 'auditcheckpoint-1'",
        )
        .get()!;
      const data = JSON.parse(row.data);
      data.events += 1; // claims to cover another event: the signature no longer matches
      db.prepare('UPDATE events SET data = ? WHERE position = ?').run(JSON.stringify(data), row.position);
    });
    const report = await verify(dataDir);
    expect(report.breaks.map((found: { reason: string }) => found.reason)).toEqual(
      expect.arrayContaining(['checkpoint_signature', 'hash_mismatch']),
    );
  });

  it('has no latest checkpoint before the first one: a 404 problem', async () => {
    const service = await startApp();
    try {
      const response = await service.request('/api/admin/audit/checkpoints/latest');
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ status: 404, detail: 'no checkpoint recorded yet' });
      expect((await service.request('/api/admin/audit/checkpoints/latest', { auth: false })).status).toBe(401);
    } finally {
      await service.close();
    }
  });

  it('needs the platform admin key to seal', async () => {
    const service = await startApp();
    try {
      const response = await service.request('/api/admin/audit/checkpoints', { method: 'POST', auth: false });
      expect(response.status).toBe(401);
    } finally {
      await service.close();
    }
  });
});
