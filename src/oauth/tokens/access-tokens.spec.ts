import { temporaryDirectory } from '../../../test/support/temporary-directory';
import { AppConfig } from '../../config/app-config';
import { SigningKeys } from '../../keys/signing-keys';
import { SqliteEventStore } from '../../platform/event-store/sqlite-event-store';
import { AccessTokens, type UnsignedClaims } from './access-tokens';

const claims: UnsignedClaims = {
  sub: 'client-1',
  client_id: 'client-1',
  jti: 'grant-1.0',
  scope: '',
  company_id: 'company-1',
  cutoffs: { client: 0 },
};

describe('AccessTokens', () => {
  let events: SqliteEventStore;
  let tokens: AccessTokens;
  const issuedAt = new Date();
  const seconds = (n: number) => new Date(issuedAt.getTime() + n * 1000);

  beforeEach(() => {
    const directory = temporaryDirectory();
    const config = AppConfig.fromEnvironment({ DATA_DIR: directory, ACCESS_TOKEN_TTL_SECONDS: '300' });
    events = new SqliteEventStore(`${directory}/events.sqlite`);
    tokens = new AccessTokens(new SigningKeys(config, events), config);
  });
  afterEach(() => events.close());

  it('answers a token again, from what it verified the first time, with the same claims', async () => {
    const { token } = await tokens.issue(claims, issuedAt);
    const first = tokens.verify(token, seconds(1));
    expect(first).toMatchObject({ ...claims, aud: 'airisk-api' });
    expect(tokens.verify(token, seconds(2))).toEqual(first);
  });

  it('leaves an empty scope out of the token (RFC 6749 §3.3) and reads it back as none', async () => {
    const payloadOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
    const { token } = await tokens.issue(claims, issuedAt);
    expect(payloadOf(token)).not.toHaveProperty('scope');
    expect(tokens.verify(token, seconds(1))).toMatchObject({ scope: '' });
    const scoped = await tokens.issue({ ...claims, scope: 'admin audit:read' }, issuedAt);
    expect(payloadOf(scoped.token)).toMatchObject({ scope: 'admin audit:read' });
    expect(tokens.verify(scoped.token, seconds(1))).toMatchObject({ scope: 'admin audit:read' });
  });

  it('refuses a remembered token once it has expired', async () => {
    const { token } = await tokens.issue(claims, issuedAt);
    expect(tokens.verify(token, seconds(1))).not.toBeNull();
    expect(tokens.verify(token, seconds(300))).toBeNull();
    expect(tokens.verify(token, seconds(300))).toBeNull(); // forgotten, and refused by the signature check too
    expect(tokens.verify(token, seconds(299))).not.toBeNull(); // verified afresh at an earlier instant
  });

  it('refuses any other bytes, even when a token differing by one character was verified', async () => {
    const { token } = await tokens.issue(claims, issuedAt);
    expect(tokens.verify(token)).not.toBeNull();
    const [header, payload, signature] = token.split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: 'x' }),
    );
    expect(tokens.verify(`${header}.${forged.toString('base64url')}.${signature}`)).toBeNull();
    expect(tokens.verify(`${token}x`)).toBeNull();
    expect(tokens.verify('not a token')).toBeNull();
  });

  it('keeps answering correctly once more tokens were verified than it remembers', async () => {
    const issued = await Promise.all(
      Array.from({ length: 10_050 }, (_, n) => tokens.issue({ ...claims, jti: `grant-1.${n}` }, issuedAt)),
    );
    for (const { token } of issued) expect(tokens.verify(token, seconds(1))).not.toBeNull();
    expect(tokens.verify(issued[0].token, seconds(1))).toMatchObject({ jti: 'grant-1.0' }); // verified afresh
    expect(tokens.verify(issued[0].token, seconds(400))).toBeNull();
  });
});
