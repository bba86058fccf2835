import { sign } from 'node:crypto';
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
  let config: AppConfig;
  let keys: SigningKeys;
  let tokens: AccessTokens;
  const issuedAt = new Date();
  const seconds = (n: number) => new Date(issuedAt.getTime() + n * 1000);

  beforeEach(() => {
    const directory = temporaryDirectory();
    config = AppConfig.fromEnvironment({ DATA_DIR: directory, ACCESS_TOKEN_TTL_SECONDS: '300' });
    events = new SqliteEventStore(`${directory}/events.sqlite`);
    keys = new SigningKeys(config, events);
    tokens = new AccessTokens(keys, config);
  });
  afterEach(() => events.close());

  it('answers a token again, from what it verified the first time, with the same claims', () => {
    const { token } = tokens.issue(claims, issuedAt);
    const first = tokens.verify(token, seconds(1));
    expect(first).toMatchObject({ ...claims, aud: 'airisk-api' });
    expect(tokens.verify(token, seconds(2))).toEqual(first);
  });

  it('leaves an empty scope out of the token (RFC 6749 §3.3) and reads it back as none', () => {
    const payloadOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
    const { token } = tokens.issue(claims, issuedAt);
    expect(payloadOf(token)).not.toHaveProperty('scope');
    expect(tokens.verify(token, seconds(1))).toMatchObject({ scope: '' });
    const scoped = tokens.issue({ ...claims, scope: 'admin audit:read' }, issuedAt);
    expect(payloadOf(scoped.token)).toMatchObject({ scope: 'admin audit:read' });
    expect(tokens.verify(scoped.token, seconds(1))).toMatchObject({ scope: 'admin audit:read' });
  });

  it('refuses a remembered token once it has expired', () => {
    const { token } = tokens.issue(claims, issuedAt);
    expect(tokens.verify(token, seconds(1))).not.toBeNull();
    expect(tokens.verify(token, seconds(300))).toBeNull();
    expect(tokens.verify(token, seconds(300))).toBeNull(); // forgotten, and refused by the signature check too
    expect(tokens.verify(token, seconds(299))).not.toBeNull(); // verified afresh at an earlier instant
  });

  it('refuses any other bytes, even when a token differing by one character was verified', () => {
    const { token } = tokens.issue(claims, issuedAt);
    expect(tokens.verify(token)).not.toBeNull();
    const [header, payload, signature] = token.split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: 'x' }),
    );
    expect(tokens.verify(`${header}.${forged.toString('base64url')}.${signature}`)).toBeNull();
    expect(tokens.verify(`${token}x`)).toBeNull();
    expect(tokens.verify('not a token')).toBeNull();
  });

  it('keeps answering correctly once more tokens were verified than it remembers', () => {
    const issued = Array.from({ length: 10_050 }, (_, n) => tokens.issue({ ...claims, jti: `grant-1.${n}` }, issuedAt));
    for (const { token } of issued) expect(tokens.verify(token, seconds(1))).not.toBeNull();
    expect(tokens.verify(issued[0].token, seconds(1))).toMatchObject({ jti: 'grant-1.0' }); // verified afresh
    expect(tokens.verify(issued[0].token, seconds(400))).toBeNull();
  });

  it("signs ES256 as R || S under the key's kid, typed at+jwt (RFC 7518 §3.4, RFC 9068 §2.1)", () => {
    const { token } = tokens.issue(claims, issuedAt);
    const [header, , signature] = token.split('.');
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({
      alg: 'ES256',
      typ: 'at+jwt',
      kid: keys.current(issuedAt).kid,
    });
    expect(Buffer.from(signature, 'base64url')).toHaveLength(64);
  });

  describe('refuses a token signed with its own key but not as it issues them', () => {
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const signed = (header: object, payload: object, dsaEncoding: 'ieee-p1363' | 'der' = 'ieee-p1363') => {
      const input = `${encode(header)}.${encode(payload)}`;
      const key = keys.current(issuedAt).privateKey;
      return `${input}.${sign('sha256', Buffer.from(input), { key, dsaEncoding }).toString('base64url')}`;
    };
    const header = () => ({ alg: 'ES256', typ: 'at+jwt', kid: keys.current(issuedAt).kid });
    const payload = () => {
      const iat = Math.floor(issuedAt.getTime() / 1000);
      return { ...claims, iss: config.issuer, aud: config.accessTokenAudience, iat, exp: iat + 300 };
    };

    it('accepts the well-formed one these variations start from', () => {
      expect(tokens.verify(signed(header(), payload()), seconds(1))).toMatchObject({ jti: claims.jti });
    });

    it.each([
      ['another type', { typ: 'JWT' }],
      ['no type', { typ: undefined }],
      ['another algorithm', { alg: 'ES384' }],
      ['an unknown key', { kid: 'another' }],
      ['a critical extension', { crit: ['b64'], b64: false }],
    ])('a header with %s', (_, change) => {
      expect(tokens.verify(signed({ ...header(), ...change }, payload()), seconds(1))).toBeNull();
    });

    it.each([
      ['another issuer', { iss: 'https://elsewhere.example' }],
      ['another audience', { aud: 'another-api' }],
      ['no expiry', { exp: undefined }],
      ['an expiry that is not a number', { exp: '9999999999' }],
    ])('claims with %s', (_, change) => {
      expect(tokens.verify(signed(header(), { ...payload(), ...change }), seconds(1))).toBeNull();
    });

    it("a DER signature, node:crypto's default", () => {
      expect(tokens.verify(signed(header(), payload(), 'der'), seconds(1))).toBeNull();
    });

    it('a second spelling of the same signature', () => {
      const token = signed(header(), payload());
      // The last base64url character of 64 bytes carries 2 unused bits.
      const last = token.at(-1)!;
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const respelled = `${token.slice(0, -1)}${alphabet[alphabet.indexOf(last) ^ 1]}`;
      expect(Buffer.from(respelled.split('.')[2], 'base64url')).toEqual(Buffer.from(token.split('.')[2], 'base64url'));
      expect(tokens.verify(respelled, seconds(1))).toBeNull();
    });
  });
});
