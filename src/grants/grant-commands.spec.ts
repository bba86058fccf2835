import { Test } from '@nestjs/testing';
import { CommandBus, CqrsModule } from '@nestjs/cqrs';
import { temporaryDirectory } from '../../test/support/temporary-directory';
import { AppConfig } from '../config/app-config';
import { type EventMetadata, EventStore } from '../platform/event-store/event-store';
import { SqliteEventStore } from '../platform/event-store/sqlite-event-store';
import { LiveViewRunner } from '../platform/projections/live-view-runner';
import { type CodeBinding, grantStream, type RecordedGrant } from './grant.decider';
import type { IssuedTokens } from './grant.events';
import { GrantRefusal } from './grant-refusal';
import { RedeemCode, RedeemCodeHandler } from './redeem-code.handler';
import { RevokeGrantHandler } from './revoke-grant.handler';
import { RotateRefreshToken, RotateRefreshTokenHandler } from './rotate-refresh-token.handler';

const grantId = '3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b';
const clientId = 'client-a';
const at = (seconds: number) => new Date(Date.parse('2026-11-27T10:00:00.000Z') + seconds * 1000).toISOString();
const metadata = (seconds: number): EventMetadata => ({
  actor: { kind: 'client', id: clientId },
  correlationId: 'request',
  causationId: 'request',
  at: at(seconds),
  schemaVersion: 1,
});

function tokens(n: number, seconds: number): IssuedTokens {
  return {
    jti: `${grantId}.${n}`,
    cutoffs: { client: 0, user: null },
    issuedAt: at(seconds),
    expiresAt: at(seconds + 300),
    refreshTokenHash: `sha256:refresh-${n}`,
    refreshExpiresAt: at(seconds + 3600),
  };
}

const binding: CodeBinding = {
  grantId,
  clientId,
  companyId: 'company-a',
  userId: null,
  scope: '',
  redirectUriHash: 'sha256:redirect',
  codeChallenge: null,
  cutoffs: { client: 0, user: null },
  issuedAt: at(0),
  expiresAt: at(60),
};

/** The redemption of the code, presented `seconds` into the story, with tokens numbered by then. */
function redeem(seconds: number): RedeemCode {
  return new RedeemCode(
    {
      code: binding,
      codeHash: 'sha256:code',
      clientId,
      redirectUri: 'https://app.example/cb',
      redirectUriHash: 'sha256:redirect',
      userId: null,
      codeVerifierChallenge: null,
      tokens: tokens(seconds, seconds),
      now: at(seconds),
    },
    metadata(seconds),
  );
}

describe('grant commands on the command bus', () => {
  let events: SqliteEventStore;
  let commands: CommandBus;

  beforeEach(async () => {
    events = new SqliteEventStore(`${temporaryDirectory()}/events.sqlite`);
    const module = await Test.createTestingModule({
      imports: [CqrsModule.forRoot()],
      providers: [
        RedeemCodeHandler,
        RotateRefreshTokenHandler,
        RevokeGrantHandler,
        { provide: EventStore, useValue: events },
        { provide: LiveViewRunner, useValue: { waitForPosition: async () => true } },
        { provide: AppConfig, useValue: { readYourWritesTimeoutMs: 1_000 } },
      ],
    }).compile();
    await module.init();
    commands = module.get(CommandBus);
    await commands.execute(redeem(10));
  });

  afterEach(() => events.close());

  const presenting = (n: number, seconds: number) => ({
    clientId,
    presentedHash: `sha256:refresh-${n}`,
    now: at(seconds),
    graceSeconds: 0,
  });

  it('rotates a refresh token on the grant stream read once, answering with what `issue` minted', async () => {
    const reads = jest.spyOn(events, 'readStream');
    const minted = { issued: tokens(1, 100), secret: 'the new refresh token' };
    const issue = jest.fn(async (_: RecordedGrant) => minted);
    const rotation = new RotateRefreshToken(grantId, presenting(10, 100), issue, metadata(100));
    await expect(commands.execute(rotation)).resolves.toBe(minted);
    expect(reads).toHaveBeenCalledTimes(1);
    expect(issue).toHaveBeenCalledTimes(1);
    expect(issue.mock.calls[0][0]).toMatchObject({ status: 'active', refreshTokenHash: 'sha256:refresh-10' });
    expect((await events.readStream(grantStream(grantId))).at(-1)?.type).toBe('RefreshTokenRotated');
  });

  it('mints nothing for a refresh token the grant never issued', async () => {
    const issue = jest.fn(async () => ({ issued: tokens(1, 100) }));
    await expect(
      commands.execute(new RotateRefreshToken(grantId, presenting(42, 100), issue, metadata(100))),
    ).rejects.toMatchObject({ reason: 'refresh_token_invalid' });
    expect(issue).not.toHaveBeenCalled();
  });

  it('revokes the whole grant on a replay before refusing (RFC 9700 §4.14.2)', async () => {
    const issue = async () => ({ issued: tokens(1, 100) });
    await commands.execute(new RotateRefreshToken(grantId, presenting(10, 100), issue, metadata(100)));
    const replay = commands.execute(
      new RotateRefreshToken(grantId, presenting(10, 200), async () => ({ issued: tokens(2, 200) }), metadata(200)),
    );
    await expect(replay).rejects.toBeInstanceOf(GrantRefusal);
    await expect(replay).rejects.toMatchObject({ reason: 'refresh_token_reused' });
    const recorded = await events.readStream(grantStream(grantId));
    expect(recorded.at(-1)).toMatchObject({ type: 'TokenRevoked', data: { reason: 'refresh_reuse' } });
  });

  it('revokes the whole grant when a code is redeemed again (RFC 6749 §4.1.2)', async () => {
    const again = commands.execute(redeem(20));
    await expect(again).rejects.toMatchObject({ reason: 'code_reused' });
    const recorded = await events.readStream(grantStream(grantId));
    expect(recorded.at(-1)).toMatchObject({ type: 'TokenRevoked', data: { reason: 'code_reuse' } });
  });
});
