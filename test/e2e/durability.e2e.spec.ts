import { temporaryDirectory } from '../support/temporary-directory';
import { exited, killMidBurst, startServerProcess } from '../support/server-process';

/**
 * An answered write is a durable write: fire concurrent company creations at the real server,
 * `kill -9` it in the middle, restart it on the same data, and find every company answered 201.
 */
describe('durability across kill -9', () => {
  it('keeps every company whose creation was answered 201', async () => {
    const dataDir = temporaryDirectory();
    const adminKey = 'durability-admin-key-'.padEnd(48, 'k');
    const environment = { DATA_DIR: dataDir, ADMIN_API_KEY: adminKey };
    const headers = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' };

    const first = await startServerProcess(environment);
    const answered: string[] = [];
    // Each worker creates companies until the dead server refuses its connection.
    const createCompany = async (w: number, i: number) => {
      const response = await fetch(`${first.baseUrl}/api/admin/companies`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ name: `Burst ${w}-${i}` }),
      });
      if (response.status === 201) answered.push(((await response.json()) as { id: string }).id);
    };
    const cutOff = await killMidBurst(first, createCompany, () => answered.length >= 150);
    expect(cutOff).toBe(16); // the burst really was cut off mid-flight

    const second = await startServerProcess(environment);
    try {
      const missing: string[] = [];
      for (const id of answered) {
        const response = await fetch(`${second.baseUrl}/api/admin/companies/${id}`, { headers });
        if (response.status !== 200) missing.push(id);
      }
      expect(missing).toEqual([]);
      expect(answered.length).toBeGreaterThanOrEqual(150);
    } finally {
      second.child.kill('SIGTERM');
      await exited(second.child);
    }
  }, 60_000);
});
