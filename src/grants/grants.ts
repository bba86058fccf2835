import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { EventMetadata, EventStore, WrongExpectedRevisionError } from '../platform/event-store/event-store';
import { LiveViewRunner } from '../platform/projections/live-view-runner';
import { OAuthError } from '../oauth/oauth-error';
import { CommandOutcome, decideOnStream, loadAggregate, startStream } from '../platform/event-store/decide-on-stream';
import { retryOnConflict } from '../platform/event-store/retry-on-conflict';
import {
  GrantCommand,
  grantDecider,
  GrantEvent,
  GrantReplayError,
  GrantState,
  grantStream,
  RevocationReason,
} from './grant.decider';

/**
 * Runs grant commands. A conflict (another request wrote the grant first) is retried against the
 * fresh state, so a second redemption of a code sees it spent; a replay revokes the whole grant
 * before the refusal goes back (RFC 6749 §4.1.2, RFC 9700 §4.14.2).
 */
@Injectable()
export class Grants {
  constructor(
    private readonly events: EventStore,
    private readonly liveViews: LiveViewRunner,
    private readonly config: AppConfig,
  ) {}

  load(grantId: string): Promise<{ state: GrantState; revision: number }> {
    return loadAggregate(this.events, grantStream(grantId), grantDecider);
  }

  /**
   * A code's grant starts at its redemption, with "no stream": the first redemption needs no read.
   * When the stream exists, the code was redeemed before: deciding again on what is recorded finds
   * the replay, and `execute` revokes the grant (RFC 6749 §4.1.2).
   */
  async redeemCode(
    grantId: string,
    command: Extract<GrantCommand, { type: 'RedeemCode' }>,
    metadata: EventMetadata,
  ): Promise<CommandOutcome<GrantEvent, GrantState>> {
    try {
      return await this.start(grantId, command, metadata);
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
      return this.execute(grantId, command, metadata);
    }
  }

  /** Opens the stream of a grant whose id was generated for this command (a client_credentials token). */
  start(
    grantId: string,
    command: GrantCommand,
    metadata: EventMetadata,
  ): Promise<CommandOutcome<GrantEvent, GrantState>> {
    return startStream(this.events, grantStream(grantId), grantDecider, { command: command, metadata: metadata });
  }

  async execute(
    grantId: string,
    command: GrantCommand,
    metadata: EventMetadata,
  ): Promise<CommandOutcome<GrantEvent, GrantState>> {
    try {
      return await retryOnConflict(() =>
        decideOnStream(this.events, grantStream(grantId), grantDecider, { command: command, metadata: metadata }),
      );
    } catch (error) {
      if (error instanceof GrantReplayError) await this.revoke(grantId, error.reason, metadata);
      throw error;
    }
  }

  /**
   * Answers once this instance's security view has the revocation, so its tokens are refused from
   * then on; `enforce: false` skips that wait where a token cutoff already refuses them.
   */
  async revoke(
    grantId: string,
    reason: RevocationReason,
    metadata: EventMetadata,
    { enforce }: { enforce: boolean } = { enforce: true },
  ): Promise<CommandOutcome<GrantEvent, GrantState>> {
    const command: GrantCommand = { type: 'RevokeGrant', grantId, reason, now: metadata.at };
    const outcome = await retryOnConflict(() =>
      decideOnStream(this.events, grantStream(grantId), grantDecider, { command: command, metadata: metadata }),
    );
    const enforced =
      !enforce ||
      !outcome.position ||
      (await this.liveViews.waitForPosition(outcome.position, this.config.readYourWritesTimeoutMs));
    if (!enforced)
      throw new OAuthError('temporarily_unavailable', 'the revocation is recorded but not yet enforced here; retry');
    return outcome;
  }
}
