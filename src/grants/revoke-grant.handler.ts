import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { AppConfig } from '../config/app-config';
import { decideOnStream } from '../platform/event-store/decide-on-stream';
import { EventMetadata, EventStore } from '../platform/event-store/event-store';
import { retryOnConflict } from '../platform/event-store/retry-on-conflict';
import { LiveViewRunner } from '../platform/projections/live-view-runner';
import { GrantCommand, grantDecider, grantStream } from './grant.decider';
import { RevocationReason } from './grant.events';

export interface RevocationOptions {
  /**
   * Answer only once this instance's security view has the revocation, so the grant's tokens are
   * refused from then on (the default); false where a token cutoff already refuses them.
   */
  readonly enforce?: boolean;
  /** RFC 7009 §2.1: the refresh token that named the grant; it is revoked only if that is its current one. */
  readonly presented?: Extract<GrantCommand, { type: 'RevokeGrant' }>['presented'];
}

/** Ends every token of a grant (RFC 7009 §2.1): a client's request, a replay, or a cut-off client or user. */
export class RevokeGrant extends Command<void> {
  constructor(
    readonly grantId: string,
    readonly reason: RevocationReason,
    readonly metadata: EventMetadata,
    readonly options: RevocationOptions = {},
  ) {
    super();
  }
}

/** The revocation is recorded, but this instance's view has not applied it within the wait: ask for a retry. */
export class RevocationNotYetEnforced extends Error {
  override readonly name = 'RevocationNotYetEnforced';
  constructor(readonly grantId: string) {
    super(`the revocation of grant ${grantId} is recorded but not yet enforced here`);
  }
}

@CommandHandler(RevokeGrant)
export class RevokeGrantHandler implements ICommandHandler<RevokeGrant> {
  constructor(
    private readonly events: EventStore,
    private readonly liveViews: LiveViewRunner,
    private readonly config: AppConfig,
  ) {}

  async execute({ grantId, reason, metadata, options }: RevokeGrant): Promise<void> {
    const { enforce = true, presented } = options;
    const command: GrantCommand = { type: 'RevokeGrant', grantId, reason, now: metadata.at, presented };
    const { position } = await retryOnConflict(() =>
      decideOnStream(this.events, grantStream(grantId), grantDecider, { command, metadata }),
    );
    if (!enforce || !position) return;
    if (!(await this.liveViews.waitForPosition(position, this.config.readYourWritesTimeoutMs))) {
      throw new RevocationNotYetEnforced(grantId);
    }
  }
}
