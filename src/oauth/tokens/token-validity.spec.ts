import { hashSecret } from '../../platform/crypto/secrets';
import type { LiveViewRunner } from '../../platform/projections/live-view-runner';
import { Feed, live, now } from '../../../test/support/security-view-feed';
import { type TokenIssuance, TokenValidity } from './token-validity';

describe('TokenValidity', () => {
  const grantId = '3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b';
  let feed: Feed;
  let validity: TokenValidity;

  const generic = (cutoff = -1): TokenIssuance => ({
    grantId,
    clientId: 'web',
    companyId: 'company-a',
    userId: null,
    cutoffs: { client: cutoff, user: null },
  });
  const forAlice = (user = -1, client = -1): TokenIssuance => ({
    ...generic(client),
    userId: 'alice',
    cutoffs: { client, user },
  });

  beforeEach(() => {
    feed = new Feed();
    feed.registerClient('web');
    feed.registerClient('other');
    feed.registerUser('alice');
    feed.registerUser('carol', 'company-b');
    validity = new TokenValidity(feed.view, live);
  });

  it('honours a generic and a user token of an enabled client and active user', async () => {
    await expect(validity.isHonoured(generic())).resolves.toBe(true);
    await expect(validity.isHonoured(forAlice())).resolves.toBe(true);
  });

  it('ends the tokens of a revoked grant, and only those', async () => {
    feed.revokeGrant(grantId);
    await expect(validity.isHonoured(generic())).resolves.toBe(false);
    await expect(validity.isHonoured(forAlice())).resolves.toBe(false);
    await expect(validity.isHonoured({ ...generic(), grantId: 'another-grant' })).resolves.toBe(true);
  });

  it('refuses tokens of an unknown client or one in another company', async () => {
    await expect(validity.isHonoured({ ...generic(), clientId: 'nobody' })).resolves.toBe(false);
    await expect(validity.isHonoured({ ...generic(), companyId: 'company-b' })).resolves.toBe(false);
  });

  it('ends every token of a disabled client', async () => {
    const revision = feed.client('web', 'ClientDisabled', { disabledAt: now });
    await expect(validity.isHonoured(generic())).resolves.toBe(false);
    await expect(validity.isHonoured(generic(revision))).resolves.toBe(false);
    await expect(validity.isHonoured(forAlice())).resolves.toBe(false);
  });

  it.each([
    ['ClientSecretRotated', { secretHash: hashSecret('new'), rotatedAt: now }],
    ['ClientTokensRevoked', { revokedAt: now }],
  ])('after %s, ends older tokens and honours those issued under the new cutoff', async (type, data) => {
    const revision = feed.client('web', type, data);
    expect(revision).toBe(1);
    await expect(validity.isHonoured(generic())).resolves.toBe(false);
    await expect(validity.isHonoured(forAlice())).resolves.toBe(false);
    await expect(validity.isHonoured(generic(revision))).resolves.toBe(true);
    await expect(validity.isHonoured(forAlice(-1, revision))).resolves.toBe(true);
  });

  it('keeps tokens alive through changes that cut nothing off', async () => {
    feed.client('web', 'RedirectUriAdded', { uri: 'https://app.example/new', addedAt: now });
    feed.client('other', 'ClientTokensRevoked', { revokedAt: now });
    feed.user('alice', 'UserGrantedAgent', { agentId: 'agent-1', grantedAt: now });
    await expect(validity.isHonoured(generic())).resolves.toBe(true);
    await expect(validity.isHonoured(forAlice())).resolves.toBe(true);
  });

  it.each([
    ['UserRoleChanged', { role: 'monitor' }],
    ['UserAgentRevoked', { agentId: 'agent-1' }],
    ['UserDefaultAgentSet', { agentId: 'agent-1' }],
    ['UserDefaultAgentCleared', {}],
  ])('ends user tokens whose claims %s makes stale, and only those', async (type, data) => {
    const revision = feed.user('alice', type, { ...data, changedAt: now });
    await expect(validity.isHonoured(forAlice())).resolves.toBe(false);
    await expect(validity.isHonoured(forAlice(revision))).resolves.toBe(true);
    await expect(validity.isHonoured(generic())).resolves.toBe(true);
  });

  it('after a re-enable, keeps old tokens dead and honours those issued under the new cutoff', async () => {
    const disabled = feed.client('web', 'ClientDisabled', { disabledAt: now });
    feed.client('web', 'ClientEnabled', { enabledAt: now });
    await expect(validity.isHonoured(generic())).resolves.toBe(false);
    await expect(validity.isHonoured(generic(disabled))).resolves.toBe(true);
  });

  it('ends the tokens of a deactivated user, and keeps them dead after reactivation', async () => {
    const deactivated = feed.user('alice', 'UserDeactivated', { deactivatedAt: now });
    await expect(validity.isHonoured(forAlice())).resolves.toBe(false);
    await expect(validity.isHonoured(forAlice(deactivated))).resolves.toBe(false);
    await expect(validity.isHonoured(generic())).resolves.toBe(true);
    feed.user('alice', 'UserReactivated', { reactivatedAt: now });
    await expect(validity.isHonoured(forAlice())).resolves.toBe(false);
    await expect(validity.isHonoured(forAlice(deactivated))).resolves.toBe(true);
  });

  it('after UserTokensRevoked, ends older user tokens and honours those issued under the new cutoff', async () => {
    const revision = feed.user('alice', 'UserTokensRevoked', { revokedAt: now });
    await expect(validity.isHonoured(forAlice())).resolves.toBe(false);
    await expect(validity.isHonoured(forAlice(revision))).resolves.toBe(true);
    await expect(validity.isHonoured(generic())).resolves.toBe(true);
  });

  it('refuses a user token for an unknown user, a user of another company, or without a user cutoff', async () => {
    await expect(validity.isHonoured({ ...forAlice(), userId: 'nobody' })).resolves.toBe(false);
    await expect(validity.isHonoured({ ...forAlice(), userId: 'carol' })).resolves.toBe(false);
    await expect(validity.isHonoured({ ...forAlice(), cutoffs: { client: -1, user: null } })).resolves.toBe(false);
  });

  it('reads the holder of an access token from its claims', async () => {
    const claims = {
      iss: 'https://id.example',
      sub: 'alice',
      aud: 'airisk',
      client_id: 'web',
      jti: `${grantId}.3`,
      iat: 0,
      exp: 0,
      scope: 'admin',
      company_id: 'company-a',
      userid: 'alice',
      cutoffs: { client: -1, user: -1 },
    };
    await expect(validity.isAccessTokenHonoured(claims)).resolves.toBe(true);
    await expect(validity.isAccessTokenHonoured({ ...claims, cutoffs: { client: -1 } })).resolves.toBe(false);
    feed.revokeGrant(grantId);
    await expect(validity.isAccessTokenHonoured(claims)).resolves.toBe(false);
  });

  it('waits for its view to reach the store when a token names a cutoff it has not seen, then decides', async () => {
    // Another instance rotated the client's secret and issued a token under the new cutoff.
    const revision = feed.client('web', 'ClientSecretRotated', { secretHash: 'sha256:new', rotatedAt: now }) + 1;
    let caughtUp = 0;
    const catchingUp = {
      isLive: () => true,
      reachStoreHead: async () => {
        caughtUp += 1;
        feed.client('web', 'ClientTokensRevoked', { revokedAt: now }); // what the store holds, now applied
        return true;
      },
    } as unknown as LiveViewRunner;
    const behind = new TokenValidity(feed.view, catchingUp);
    await expect(behind.isHonoured(generic(revision))).resolves.toBe(true);
    expect(caughtUp).toBe(1);
    // A token of an older cutoff is plainly dead: no waiting.
    await expect(behind.isHonoured(generic(-1))).resolves.toBe(false);
    expect(caughtUp).toBe(1);
  });
});

describe('failing closed while the security view is not live', () => {
  const notLive = { isLive: () => false } as unknown as LiveViewRunner;
  it('honours no token', async () => {
    const feed = new Feed();
    feed.registerClient('web', { secretHash: hashSecret('s3cret') });
    const validity = new TokenValidity(feed.view, notLive);
    await expect(
      validity.isHonoured({
        grantId: 'g',
        clientId: 'web',
        companyId: 'company-a',
        userId: null,
        cutoffs: { client: -1, user: null },
      }),
    ).resolves.toBe(false);
  });
});
