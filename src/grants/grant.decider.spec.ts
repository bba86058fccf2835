import { deciderSpec } from '../../test/support/decider-spec';
import { type CodeBinding, type GrantCommand, grantDecider, grantStream } from './grant.decider';
import type { GrantEvent, IssuedTokens } from './grant.events';
import type { GrantRefusal, GrantRefusalReason } from './grant-refusal';

const epoch = Date.parse('2026-11-27T10:00:00.000Z');
/** An instant `seconds` after the start of the story (fractions allowed). */
const at = (seconds: number) => new Date(epoch + seconds * 1000).toISOString();

const grantId = '3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b';
const clientId = 'client-a';
const companyId = 'company-a';
const redirectUri = 'https://app.example/callback';
const codeHash = 'sha256:code';
const redirectUriHash = 'sha256-of-the-redirect-uri';
const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
const subject = { grantId, clientId, companyId, userId: 'user-1', scope: 'admin audit:read' };

function tokens(n: number, issuedAt: string, refreshTokenHash: string | null = `sha256:refresh-${n}`): IssuedTokens {
  return {
    jti: `${grantId}.${n}`,
    cutoffs: { client: 3, user: 7 },
    issuedAt,
    expiresAt: new Date(Date.parse(issuedAt) + 300_000).toISOString(),
    refreshTokenHash,
    refreshExpiresAt: refreshTokenHash ? new Date(Date.parse(issuedAt) + 3_600_000).toISOString() : null,
  };
}

function codeIssued(
  fields: Partial<Extract<GrantEvent, { type: 'AuthorizationCodeIssued' }>['data']> = {},
): GrantEvent {
  return {
    type: 'AuthorizationCodeIssued',
    data: {
      ...subject,
      redirectUri,
      codeHash,
      codeChallenge: challenge,
      issuedAt: at(0),
      expiresAt: at(60),
      ...fields,
    },
  };
}

const holder = { grantId, clientId, userId: 'user-1' };
const redeemed: GrantEvent = { type: 'AuthorizationCodeRedeemed', data: { ...holder, redeemedAt: at(10) } };
/** The tokens of the redemption: refresh token R0. */
const issued: GrantEvent = {
  type: 'TokenIssued',
  data: { ...subject, ...tokens(0, at(10)), grantType: 'authorization_code' },
};
function rotated(from: number, to: number, seconds: number): GrantEvent {
  return {
    type: 'RefreshTokenRotated',
    data: { ...holder, previousRefreshTokenHash: `sha256:refresh-${from}`, ...tokens(to, at(seconds)) },
  };
}
const revoked: GrantEvent = {
  type: 'TokenRevoked',
  data: { ...holder, reason: 'revoked_by_client', revokedAt: at(20) },
};

/** The binding a sealed code carries (the code itself is opened by the caller). */
function binding(fields: Partial<CodeBinding> = {}): CodeBinding {
  return {
    ...subject,
    redirectUriHash,
    codeChallenge: challenge,
    cutoffs: { client: 3, user: 7 },
    issuedAt: at(0),
    expiresAt: at(60),
    ...fields,
  };
}

function redeem(
  fields: Partial<Extract<GrantCommand, { type: 'RedeemCode' }>> = {},
  code: Partial<CodeBinding> = {},
): GrantCommand {
  return {
    type: 'RedeemCode',
    code: binding(code),
    codeHash,
    clientId,
    redirectUri,
    redirectUriHash,
    userId: 'user-1',
    codeVerifierChallenge: challenge,
    tokens: tokens(0, at(10)),
    now: at(10),
    ...fields,
  };
}

const GRACE = 10;
function rotate(
  presented: number,
  seconds: number,
  fields: Partial<Extract<GrantCommand, { type: 'RotateRefreshToken' }>> = {},
) {
  const command: GrantCommand = {
    type: 'RotateRefreshToken',
    grantId,
    clientId,
    presentedHash: `sha256:refresh-${presented}`,
    tokens: tokens(99, at(seconds)),
    graceSeconds: GRACE,
    now: at(seconds),
    ...fields,
  };
  return command;
}

const { given } = deciderSpec(grantDecider);

/** A refusal for `reason`: a replay names the revocation it causes (`revokesGrant`), any other revokes nothing. */
function refusal(reason: GrantRefusalReason, revokesGrant: GrantRefusal['revokesGrant'] = null) {
  return expect.objectContaining({ name: 'GrantRefusal', reason, revokesGrant });
}

describe('grant decider', () => {
  it('names one stream per grant', () => {
    expect(grantStream(grantId)).toBe(`grant-${grantId}`);
  });

  describe('RedeemCode', () => {
    it('starts the grant: records the issuance from the code, the redemption and the given tokens', () => {
      const issuedTokens = tokens(0, at(10));
      const decision = given().when(redeem({ tokens: issuedTokens }));
      decision.then([
        {
          type: 'AuthorizationCodeIssued',
          data: { ...subject, redirectUri, codeHash, codeChallenge: challenge, issuedAt: at(0), expiresAt: at(60) },
        },
        { type: 'AuthorizationCodeRedeemed', data: { ...holder, redeemedAt: at(10) } },
        {
          type: 'TokenIssued',
          data: {
            ...subject,
            jti: `${grantId}.0`,
            cutoffs: { client: 3, user: 7 },
            issuedAt: at(10),
            expiresAt: issuedTokens.expiresAt,
            refreshTokenHash: 'sha256:refresh-0',
            refreshExpiresAt: issuedTokens.refreshExpiresAt,
            grantType: 'authorization_code',
          },
        },
      ]);
    });

    it('takes the subject from the code, not from the command', () => {
      const decision = given().when(
        redeem(
          { userId: null, tokens: { ...tokens(0, at(10)), cutoffs: { client: 3, user: null } } },
          {
            scope: 'audit:read',
            userId: null,
            cutoffs: { client: 3, user: null },
          },
        ),
      );
      const [, , tokenIssued] = decision.decide();
      expect(tokenIssued.data).toMatchObject({ scope: 'audit:read', userId: null, companyId, clientId });
    });

    it('redeems a code without PKCE when no verifier is sent', () => {
      const decision = given().when(redeem({ codeVerifierChallenge: null }, { codeChallenge: null }));
      expect(decision.decide().map((event) => event.type)).toEqual([
        'AuthorizationCodeIssued',
        'AuthorizationCodeRedeemed',
        'TokenIssued',
      ]);
    });

    it('redeems a code just before it expires', () => {
      expect(
        given()
          .when(redeem({ now: at(59.999) }))
          .decide(),
      ).toHaveLength(3);
    });

    it('refuses a code issued to another client', () => {
      given()
        .when(redeem({ clientId: 'client-b' }))
        .thenRefuses(refusal('code_invalid'));
    });

    it('treats a second redemption as code reuse', () => {
      given(codeIssued(), redeemed, issued)
        .when(redeem({ now: at(11) }))
        .thenRefuses(refusal('code_reused', 'code_reuse'));
    });

    it('treats a redemption after the tokens were rotated as code reuse', () => {
      given(codeIssued(), redeemed, issued, rotated(0, 1, 30))
        .when(redeem())
        .thenRefuses(refusal('code_reused', 'code_reuse'));
    });

    it('refuses another code naming an existing grant, and a replay by another client, without revoking', () => {
      given(codeIssued(), redeemed, issued)
        .when(redeem({ codeHash: 'sha256:other' }))
        .thenRefuses(refusal('code_invalid'));
      given(codeIssued(), redeemed, issued)
        .when(redeem({ clientId: 'client-b' }))
        .thenRefuses(refusal('code_invalid'));
    });

    it('refuses a replay of the code of a grant revoked since, without revoking again', () => {
      given(codeIssued(), redeemed, issued, revoked)
        .when(redeem({ now: at(30) }))
        .thenRefuses(refusal('code_revoked'));
    });

    it('refuses an expired code (now equal to expiresAt)', () => {
      given()
        .when(redeem({ now: at(60) }))
        .thenRefuses(refusal('code_expired'));
    });

    it('refuses an expired code (now after expiresAt)', () => {
      given()
        .when(redeem({ now: at(3600) }))
        .thenRefuses(refusal('code_expired'));
    });

    it.each([
      ['a different redirect_uri', 'https://app.example/other', 'sha256-of-another-uri'],
      ['no redirect_uri at all', undefined, null],
    ])('refuses %s', (_, uri, hash) => {
      given()
        .when(redeem({ redirectUri: uri, redirectUriHash: hash }))
        .thenRefuses(refusal('redirect_uri_mismatch'));
    });

    it.each([
      ['another user', 'user-1', 'user-2'],
      ['no userid for a user code', 'user-1', null],
      ['a userid for a generic code', null, 'user-1'],
    ])('refuses %s', (_, authorized, presented) => {
      given()
        .when(redeem({ userId: presented }, { userId: authorized }))
        .thenRefuses(refusal('userid_mismatch'));
    });

    it('asks for the verifier when the code has a challenge and none is sent', () => {
      given()
        .when(redeem({ codeVerifierChallenge: null }))
        .thenRefuses(refusal('code_verifier_required'));
    });

    it('refuses a verifier that does not match the challenge', () => {
      const other = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
      given()
        .when(redeem({ codeVerifierChallenge: other }))
        .thenRefuses(refusal('code_verifier_mismatch'));
    });

    it('refuses a verifier when the authorization request had no challenge', () => {
      given()
        .when(redeem({}, { codeChallenge: null }))
        .thenRefuses(refusal('code_verifier_unexpected'));
    });

    it.each([
      ['the client was disabled or its secret rotated', { client: 4, user: 7 }],
      ['the user was deactivated or changed', { client: 3, user: 8 }],
    ])('refuses a code when %s since it was issued', (_, now) => {
      given()
        .when(redeem({ tokens: { ...tokens(0, at(10)), cutoffs: now } }))
        .thenRefuses(refusal('code_revoked'));
    });
  });

  describe('IssueClientCredentialsToken', () => {
    it('issues a client-credentials token as a grant of its own', () => {
      const issuedTokens = tokens(0, at(0), null);
      const decision = given().when({
        type: 'IssueClientCredentialsToken',
        ...subject,
        userId: null,
        scope: 'admin',
        tokens: issuedTokens,
        now: at(0),
      });
      decision.then([
        {
          type: 'TokenIssued',
          data: {
            grantId,
            clientId,
            companyId,
            userId: null,
            scope: 'admin',
            ...issuedTokens,
            grantType: 'client_credentials',
          },
        },
      ]);
    });

    it('yields a grant that cannot be refreshed (no refresh token)', () => {
      const ccIssued: GrantEvent = {
        type: 'TokenIssued',
        data: { ...subject, userId: null, ...tokens(0, at(0), null), grantType: 'client_credentials' },
      };
      given(ccIssued).when(rotate(0, 10)).thenRefuses(refusal('refresh_token_invalid'));
    });

    it('yields a grant that can be revoked', () => {
      const ccIssued: GrantEvent = {
        type: 'TokenIssued',
        data: { ...subject, userId: null, ...tokens(0, at(0), null), grantType: 'client_credentials' },
      };
      expect(
        given(ccIssued)
          .when({ type: 'RevokeGrant', grantId, reason: 'admin', now: at(5) })
          .decide(),
      ).toEqual([{ type: 'TokenRevoked', data: { ...holder, userId: null, reason: 'admin', revokedAt: at(5) } }]);
    });
  });

  describe('RotateRefreshToken', () => {
    const history = [codeIssued(), redeemed, issued];

    it('spends the current refresh token and issues the given tokens', () => {
      const next = tokens(1, at(100));
      expect(
        given(...history)
          .when(rotate(0, 100, { tokens: next }))
          .decide(),
      ).toEqual([
        { type: 'RefreshTokenRotated', data: { ...holder, previousRefreshTokenHash: 'sha256:refresh-0', ...next } },
      ]);
    });

    it('rotates the newest token again after a rotation', () => {
      const decision = given(...history, rotated(0, 1, 100)).when(rotate(1, 200));
      decision.then([
        expect.objectContaining({
          type: 'RefreshTokenRotated',
          data: expect.objectContaining({ previousRefreshTokenHash: 'sha256:refresh-1' }),
        }),
      ]);
    });

    it('refuses a hash that was never issued for this grant', () => {
      given(...history)
        .when(rotate(42, 100))
        .thenRefuses(refusal('refresh_token_invalid'));
    });

    it('refuses a refresh token of a grant that does not exist', () => {
      given().when(rotate(0, 100)).thenRefuses(refusal('refresh_token_invalid'));
    });

    it('refuses a refresh before the code is redeemed', () => {
      given(codeIssued()).when(rotate(0, 30)).thenRefuses(refusal('refresh_token_invalid'));
    });

    it('refuses a refresh token issued to another client', () => {
      given(...history)
        .when(rotate(0, 100, { clientId: 'client-b' }))
        .thenRefuses(refusal('refresh_token_invalid'));
    });

    it('refuses a refresh token of a revoked grant', () => {
      given(...history, revoked)
        .when(rotate(0, 100))
        .thenRefuses(refusal('grant_revoked'));
    });

    it('refuses a spent token of a revoked grant as plain invalid_grant, not as replay', () => {
      given(...history, rotated(0, 1, 100), revoked)
        .when(rotate(0, 500))
        .thenRefuses(refusal('grant_revoked'));
    });

    it('refuses an expired refresh token (now equal to its expiry)', () => {
      // R0 was issued at 10 s and lives an hour.
      given(...history)
        .when(rotate(0, 3610))
        .thenRefuses(refusal('refresh_token_expired'));
    });

    it('rotates a refresh token just before it expires', () => {
      expect(
        given(...history)
          .when(rotate(0, 3609.999))
          .decide(),
      ).toHaveLength(1);
    });

    it('honours a retry of the previous token within the grace period, rotating again', () => {
      const next = tokens(2, at(105));
      expect(
        given(...history, rotated(0, 1, 100))
          .when(rotate(0, 105, { tokens: next }))
          .decide(),
      ).toEqual([
        { type: 'RefreshTokenRotated', data: { ...holder, previousRefreshTokenHash: 'sha256:refresh-0', ...next } },
      ]);
    });

    it('honours a retry exactly at the end of the grace period', () => {
      expect(
        given(...history, rotated(0, 1, 100))
          .when(rotate(0, 100 + GRACE))
          .decide(),
      ).toHaveLength(1);
    });

    it('treats the previous token after the grace period as reuse', () => {
      given(...history, rotated(0, 1, 100))
        .when(rotate(0, 100 + GRACE + 0.001))
        .thenRefuses(refusal('refresh_token_reused', 'refresh_reuse'));
    });

    it('treats the previous token as reuse when there is no grace period', () => {
      given(...history, rotated(0, 1, 100))
        .when(rotate(0, 101, { graceSeconds: 0 }))
        .thenRefuses(refusal('refresh_token_reused', 'refresh_reuse'));
    });

    it('treats a token two rotations old as reuse, even within the grace period', () => {
      given(...history, rotated(0, 1, 100), rotated(1, 2, 102))
        .when(rotate(0, 103))
        .thenRefuses(refusal('refresh_token_reused', 'refresh_reuse'));
    });

    it('after a grace retry, treats the token the retry superseded as spent', () => {
      // R0 → R1 at 100; R0 retried at 105 → R2: R1 was never used, but it is superseded.
      given(...history, rotated(0, 1, 100), rotated(0, 2, 105))
        .when(rotate(1, 106))
        .thenRefuses(refusal('refresh_token_reused', 'refresh_reuse'));
    });

    it('honours a grace retry once: retrying the same old token again is reuse, even within the grace period', () => {
      // R0 → R1 at 100; R0 retried at 105 (→ R2) is honoured; R0 again at 108 revokes the family.
      const history2 = [...history, rotated(0, 1, 100), rotated(0, 2, 105)];
      given(...history2)
        .when(rotate(0, 108))
        .thenRefuses(refusal('refresh_token_reused', 'refresh_reuse'));
    });

    it('after a grace retry, rotates the newest token', () => {
      const decision = given(...history, rotated(0, 1, 100), rotated(0, 2, 105)).when(rotate(2, 106));
      decision.then([
        expect.objectContaining({ data: expect.objectContaining({ previousRefreshTokenHash: 'sha256:refresh-2' }) }),
      ]);
    });

    it('takes the refresh expiry from the newest rotation', () => {
      // R1 issued at 100 lives until 3700, beyond R0's 3610.
      expect(
        given(...history, rotated(0, 1, 100))
          .when(rotate(1, 3650))
          .decide(),
      ).toHaveLength(1);
      given(...history, rotated(0, 1, 100))
        .when(rotate(1, 3700))
        .thenRefuses(refusal('refresh_token_expired'));
    });
  });

  describe('RevokeGrant', () => {
    it('revokes an active grant with the reason given', () => {
      const decision = given(codeIssued(), redeemed, issued).when({
        type: 'RevokeGrant',
        grantId,
        reason: 'refresh_reuse',
        now: at(30),
      });
      decision.then([{ type: 'TokenRevoked', data: { ...holder, reason: 'refresh_reuse', revokedAt: at(30) } }]);
    });

    it('revokes a grant whose code is not yet redeemed', () => {
      const decision = given(codeIssued()).when({
        type: 'RevokeGrant',
        grantId,
        reason: 'client_disabled',
        now: at(5),
      });
      decision.then([{ type: 'TokenRevoked', data: { ...holder, reason: 'client_disabled', revokedAt: at(5) } }]);
    });

    it('records nothing when the grant is already revoked', () => {
      const decision = given(codeIssued(), redeemed, issued, revoked).when({
        type: 'RevokeGrant',
        grantId,
        reason: 'admin',
        now: at(40),
      });
      decision.then([]);
    });

    it('records nothing for a grant that does not exist', () => {
      expect(
        given()
          .when({ type: 'RevokeGrant', grantId, reason: 'code_reuse', now: at(40) })
          .decide(),
      ).toEqual([]);
    });

    describe('named by a refresh token (RFC 7009 §2.1)', () => {
      const byToken = (presented: number, seconds: number, presenter = clientId): GrantCommand => ({
        type: 'RevokeGrant',
        grantId,
        reason: 'revoked_by_client',
        now: at(seconds),
        presented: { clientId: presenter, presentedHash: `sha256:refresh-${presented}` },
      });
      const revokedByClient = (seconds: number): GrantEvent => ({
        type: 'TokenRevoked',
        data: { ...holder, reason: 'revoked_by_client', revokedAt: at(seconds) },
      });

      it('revokes the grant when it is its current refresh token, live or expired', () => {
        given(codeIssued(), redeemed, issued)
          .when(byToken(0, 30))
          .then([revokedByClient(30)]);
        given(codeIssued(), redeemed, issued)
          .when(byToken(0, 3610))
          .then([revokedByClient(3610)]);
      });

      it('changes nothing for a spent token, even within the grace period, or one it never issued', () => {
        given(codeIssued(), redeemed, issued, rotated(0, 1, 100))
          .when(byToken(0, 101))
          .then([]);
        given(codeIssued(), redeemed, issued).when(byToken(42, 30)).then([]);
      });

      it("changes nothing for another client's token", () => {
        given(codeIssued(), redeemed, issued)
          .when(byToken(0, 30, 'client-b'))
          .then([]);
      });
    });
  });

  describe('evolve', () => {
    it('starts absent', () => {
      expect(grantDecider.initialState).toEqual({ status: 'absent' });
    });

    it('folds an issued code as code_issued with its bindings', () => {
      const state = [codeIssued()].reduce(grantDecider.evolve, grantDecider.initialState);
      expect(state).toMatchObject({
        status: 'code_issued',
        ...subject,
        redirectUri,
        codeHash,
        codeChallenge: challenge,
        codeExpiresAt: at(60),
        refreshTokenHash: null,
      });
    });

    it('folds the redemption as an active grant holding the refresh token and its cutoffs', () => {
      const state = [codeIssued(), redeemed, issued].reduce(grantDecider.evolve, grantDecider.initialState);
      expect(state).toMatchObject({
        status: 'active',
        refreshTokenHash: 'sha256:refresh-0',
        refreshCutoffs: { client: 3, user: 7 },
        previousRefreshTokenHash: null,
        spentRefreshTokenHashes: [],
      });
    });

    it('records no refresh cutoffs for tokens without a refresh token', () => {
      const ccIssued: GrantEvent = {
        type: 'TokenIssued',
        data: { ...subject, ...tokens(0, at(0), null), grantType: 'client_credentials' },
      };
      const state = [ccIssued].reduce(grantDecider.evolve, grantDecider.initialState);
      expect(state).toMatchObject({ status: 'active', refreshTokenHash: null, refreshCutoffs: null, codeHash: null });
    });

    it('folds rotations: the newest token is current, every older one spent', () => {
      const state = [codeIssued(), redeemed, issued, rotated(0, 1, 100), rotated(1, 2, 200)].reduce(
        grantDecider.evolve,
        grantDecider.initialState,
      );
      expect(state).toMatchObject({
        status: 'active',
        refreshTokenHash: 'sha256:refresh-2',
        previousRefreshTokenHash: 'sha256:refresh-1',
        rotatedAt: at(200),
      });
      expect(state.status !== 'absent' && [...state.spentRefreshTokenHashes].sort()).toEqual([
        'sha256:refresh-0',
        'sha256:refresh-1',
      ]);
    });

    it('keeps a revoked grant revoked when tokens are issued after the revocation', () => {
      given(codeIssued(), revoked, redeemed, issued).when(rotate(0, 100)).thenRefuses(refusal('grant_revoked'));
      expect(
        given(codeIssued(), revoked, redeemed, issued)
          .when({
            type: 'RevokeGrant',
            grantId,
            reason: 'admin',
            now: at(100),
          })
          .decide(),
      ).toEqual([]);
    });

    it('keeps a revoked grant revoked through later rotations', () => {
      given(codeIssued(), redeemed, issued, revoked, rotated(0, 1, 100))
        .when(rotate(1, 101))
        .thenRefuses(refusal('grant_revoked'));
    });

    it('ignores a rotation or revocation of a grant it never saw', () => {
      const state = [rotated(0, 1, 100), revoked].reduce(grantDecider.evolve, grantDecider.initialState);
      expect(state).toEqual({ status: 'absent' });
    });
  });
});
