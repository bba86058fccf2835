import { Command, CommandBus, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { EventMetadata, EventStore } from '../platform/event-store/event-store';
import { decideOnGrant } from './decide-on-grant';
import { RecordedGrant } from './grant.decider';
import { IssuedTokens } from './grant.events';
import { GrantRefusal } from './grant-refusal';
import { PresentedRefreshToken, refreshTokenStanding } from './refresh-token-standing';

/** The next tokens as the grant records them; the caller keeps the secrets it minted beside them. */
export interface NextTokens {
  readonly issued: IssuedTokens;
}

/**
 * RFC 6749 §6 with rotation (RFC 9700 §4.14.2): spends the presented refresh token and records the
 * next tokens. `issue` is called on the grant as read, once the token is known to be one this grant
 * issued to this client: it checks what the grant cannot see (the client's and user's cutoffs) and
 * mints the next tokens, which the command answers with once they are recorded.
 */
export class RotateRefreshToken<Issued extends NextTokens> extends Command<Issued> {
  constructor(
    readonly grantId: string,
    readonly presented: Required<PresentedRefreshToken>,
    readonly issue: (grant: RecordedGrant) => Promise<Issued>,
    readonly metadata: EventMetadata,
  ) {
    super();
  }
}

/**
 * The grant stream is read once: the token is checked, the tokens minted and the rotation decided on
 * that state, and appended at the revision read. A concurrent rotation makes the append fail; the
 * retry reads again and decides on what the other one recorded (a replay, or a grace retry).
 */
@CommandHandler(RotateRefreshToken)
export class RotateRefreshTokenHandler implements ICommandHandler<RotateRefreshToken<NextTokens>> {
  constructor(
    private readonly events: EventStore,
    private readonly commands: CommandBus,
  ) {}

  async execute<Issued extends NextTokens>({
    grantId,
    presented,
    issue,
    metadata,
  }: RotateRefreshToken<Issued>): Promise<Issued> {
    let issuance: Issued | undefined;
    await decideOnGrant(this.events, this.commands, grantId, {
      metadata,
      prepare: async (grant) => {
        // Nothing is minted, and nothing about the grant looked at, for a token it never issued.
        if (grant.status === 'absent' || refreshTokenStanding(grant, presented) === 'not_issued') {
          throw new GrantRefusal('refresh_token_invalid');
        }
        issuance = await issue(grant);
        return { type: 'RotateRefreshToken', grantId, ...presented, tokens: issuance.issued };
      },
    });
    // Set by `prepare`, which ran for the decision that was recorded.
    return issuance!;
  }
}
