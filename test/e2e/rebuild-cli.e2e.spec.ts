import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { COMPANIES } from '../../src/companies/company.projection';
import { SqliteReadStore } from '../../src/platform/read-store/sqlite-read-store';
import { startApp } from '../support/running-app';
import { childEnvironment } from '../support/server-process';

const CLI = join(__dirname, '..', '..', 'dist', 'cli', 'rebuild.js');

function rebuild(dataDir: string, ...args: string[]) {
  const run = spawnSync(process.execPath, [CLI, ...args], {
    env: childEnvironment({ DATA_DIR: dataDir }),
    encoding: 'utf8',
  });
  return {
    status: run.status,
    lines: run.stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line)),
    stderr: run.stderr,
  };
}

describe('npm run rebuild', () => {
  it('replays the events into a fresh read model that equals the live one, and reports tampering', async () => {
    const service = await startApp();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await service.request('/api/admin/companies', {
        method: 'POST',
        body: JSON.stringify({ name: `R${i}` }),
      });
      ids.push((await response.json()).id);
    }
    await service.request(`/api/admin/companies/${ids[0]}`, {
      method: 'PATCH',
      body: JSON.stringify({ name: 'Renamed' }),
    });
    await service.close();

    const clean = rebuild(service.dataDir, 'companies', '--compare');
    expect(clean.stderr).toBe('');
    expect(clean.status).toBe(0);
    expect(clean.lines).toEqual([expect.objectContaining({ projection: 'companies_v1', events: 6, differences: 0 })]);

    const reads = new SqliteReadStore(join(service.dataDir, 'read-models.sqlite'));
    await reads.patch(COMPANIES, ids[2], { name: 'Tampered' });
    await reads.close();
    const tampered = rebuild(service.dataDir, '--compare');
    expect(tampered.status).toBe(1);
    expect(tampered.lines[0]).toMatchObject({
      differences: 1,
      firstDifferences: [
        expect.objectContaining({
          id: ids[2],
          live: expect.objectContaining({ name: 'Tampered' }),
          rebuilt: expect.objectContaining({ name: 'R2' }),
        }),
      ],
    });
  });

  it('refuses an unknown projection', () => {
    const run = rebuild('/nonexistent', 'nope');
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/unknown projection: nope/);
  });
});
