import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { ReadStore } from '../platform/read-store/read-store';
import { repeat } from '../platform/repeat';
import { GrantView, GRANTS, grantsProjection } from './grant.projection';

const PAGE = 1000;
const INTERVAL_MS = 3_600_000;

/**
 * Keeps the `grants` read model from growing without bound: grants that expired more than
 * `GRANT_RETENTION_DAYS` ago are deleted from it, hourly. Their events are never touched, so the
 * audit trail (and any rebuild) still has them; rebuild comparisons know to skip them.
 */
@Injectable()
export class GrantRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('grants');
  private stop?: () => void;

  constructor(
    private readonly reads: ReadStore,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.grantRetentionDays === 0) return;
    this.stop = repeat(
      INTERVAL_MS,
      () => this.prune(),
      (error) => this.logger.warn(`grant retention: ${String(error)}`),
    );
  }

  onApplicationShutdown(): void {
    this.stop?.();
  }

  /**
   * Deletes the prunable grants, oldest expiry first through the expiry index, so only they are read
   * (every grant stays a month or more: read every hour, each would be read some 720 times), a page
   * in one transaction (a commit per grant costs about what writing it did); answers how many. Safe
   * on every instance at once (deletes are idempotent).
   */
  async prune(now = new Date()): Promise<number> {
    const before = this.config.grantsPrunedBefore(now);
    if (before === undefined) return 0;
    let pruned = 0;
    let cursor: string | undefined;
    do {
      const page = await this.reads.find<GrantView>(GRANTS, { sortBy: 'expiresAt', limit: PAGE, cursor });
      const expired = page.items.filter((grant) => grantsProjection.prunable!(grant, before));
      if (expired.length > 0) {
        pruned += await this.reads.transaction(async (tx) => {
          let deleted = 0;
          for (const grant of expired) if (await tx.delete(GRANTS, grant.id)) deleted += 1;
          return deleted;
        });
      }
      // In expiry order: past the first grant expired too recently, none is prunable.
      const beyond = page.items.some((grant) => typeof grant.expiresAt === 'string' && grant.expiresAt >= before);
      cursor = beyond ? undefined : page.nextCursor;
    } while (cursor);
    if (pruned > 0) this.logger.log(`removed ${pruned} grants expired before ${before} from the read model`);
    return pruned;
  }
}
