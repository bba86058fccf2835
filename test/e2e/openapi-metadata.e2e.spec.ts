import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_COMPANY_NAME_LENGTH } from '../../src/companies/company.decider';
import { temporaryDirectory } from '../support/temporary-directory';

const ROOT = join(__dirname, '..', '..');
const SCRIPT = join(ROOT, 'scripts', 'openapi-metadata.mjs');

/** A checkout of this repository's sources and build settings, sharing its node_modules. */
function checkout(): string {
  const directory = temporaryDirectory();
  for (const file of ['src', 'tsconfig.json', 'tsconfig.build.json', '.prettierrc.json']) {
    cpSync(join(ROOT, file), join(directory, file), { recursive: true });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(directory, 'node_modules'));
  return directory;
}

function run(directory: string, ...args: string[]) {
  return spawnSync(process.execPath, [SCRIPT, ...args, directory], { encoding: 'utf8' });
}

describe('npm run check:openapi-metadata / npm run openapi:metadata', () => {
  it('refuses a src/metadata.ts that a changed bound made stale, leaving it as it was, until it is regenerated', () => {
    const directory = checkout();
    const decider = join(directory, 'src', 'companies', 'company.decider.ts');
    const longer = MAX_COMPANY_NAME_LENGTH + 1;
    writeFileSync(
      decider,
      readFileSync(decider, 'utf8').replace(
        `MAX_COMPANY_NAME_LENGTH = ${MAX_COMPANY_NAME_LENGTH};`,
        `MAX_COMPANY_NAME_LENGTH = ${longer};`,
      ),
    );
    const metadata = join(directory, 'src', 'metadata.ts');
    const committed = readFileSync(metadata, 'utf8');

    const check = run(directory, '--check');
    expect(check.status).toBe(1);
    expect(check.stderr).toContain('src/metadata.ts is stale');
    expect(check.stderr).toContain('npm run openapi:metadata');
    expect(readFileSync(metadata, 'utf8')).toBe(committed);

    expect(run(directory).status).toBe(0);
    const regenerated = readFileSync(metadata, 'utf8');
    // The company name's bound in RegisterCompanyBody and ChangeCompanyBody, and nowhere else.
    expect(regenerated.match(new RegExp(`maxLength: ${longer}\\b`, 'g'))).toHaveLength(2);
    expect(run(directory, '--check').status).toBe(0);
  }, 180_000);
});
