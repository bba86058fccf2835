import { statSync } from 'node:fs';
import { join } from 'node:path';
import { temporaryDirectory } from '../../../test/support/temporary-directory';
import { AppConfig } from '../../config/app-config';
import type { CodeBinding } from '../../grants/grant.decider';
import { CODE_SEALING_KEY_FILE, CodeSealingKey } from '../../keys/code-sealing-key';
import { redirectUriHash, SealedCodes } from './sealed-codes';

const binding: CodeBinding = {
  grantId: '0190d7a4-1c2b-7d3e-8f40-5a6b7c8d9e0f',
  clientId: 'web',
  companyId: 'company-a',
  userId: 'user_42',
  scope: '',
  redirectUriHash: redirectUriHash('https://app.example/callback'),
  codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
  cutoffs: { client: 3, user: -1 },
  issuedAt: '2026-11-30T10:00:00.000Z',
  expiresAt: '2026-11-30T10:01:00.000Z',
};

describe('sealed authorization codes', () => {
  const dataDir = temporaryDirectory();
  const config = AppConfig.fromEnvironment({ DATA_DIR: dataDir });
  const codes = new SealedCodes(new CodeSealingKey(config));

  it('open to the binding they were sealed with, and show none of it', () => {
    const code = codes.seal(binding);
    expect(codes.open(code)).toEqual(binding);
    expect(code).toMatch(/^ac1\.[A-Za-z0-9_-]+$/);
    expect(code).not.toContain('user_42');
    expect(Buffer.from(code.slice(4), 'base64url').toString('latin1')).not.toContain('company-a');
  });

  it('are different every time, for the same binding', () => {
    expect(codes.seal(binding)).not.toBe(codes.seal(binding));
  });

  it('do not open when any bit is changed', () => {
    const bytes = Buffer.from(codes.seal(binding).slice(4), 'base64url');
    for (const index of [0, 12, bytes.length >> 1, bytes.length - 1]) {
      const altered = Buffer.from(bytes);
      altered[index] ^= 0x01;
      expect(codes.open(`ac1.${altered.toString('base64url')}`)).toBeUndefined();
    }
  });

  it('open in one spelling only: a character added, or a base64 variant, is not the code', () => {
    const code = codes.seal(binding);
    for (const variant of [`${code}x`, `${code}=`, `${code} `, code.replace(/-/g, '+').replace(/_/g, '/')]) {
      if (variant !== code) expect(codes.open(variant)).toBeUndefined();
    }
  });

  it('do not open under another service key, and nothing else opens as a code', () => {
    const elsewhere = new SealedCodes(
      new CodeSealingKey(AppConfig.fromEnvironment({ DATA_DIR: temporaryDirectory() })),
    );
    expect(elsewhere.open(codes.seal(binding))).toBeUndefined();
    for (const other of ['', 'ac1.', 'ac1.AAAA', `${binding.grantId}.${'A'.repeat(43)}`, `ac1.${'A'.repeat(5_000)}`]) {
      expect(codes.open(other)).toBeUndefined();
    }
  });

  it('use one key per key directory: another instance opens what this one sealed; the key file is 0600', () => {
    const sibling = new SealedCodes(new CodeSealingKey(config));
    expect(sibling.open(codes.seal(binding))).toEqual(binding);
    expect(statSync(join(config.signingKeysDir, CODE_SEALING_KEY_FILE)).mode & 0o777).toBe(0o600);
  });
});
