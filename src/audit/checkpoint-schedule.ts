import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { repeat } from '../platform/repeat';
import { AuditCheckpoints } from './checkpoints';

/**
 * Seals the audit trail every `AUDIT_CHECKPOINT_INTERVAL_SECONDS`. Every instance tries; the
 * checkpoint stream's "no stream" append lets exactly one win, and the others' refusal is expected.
 */
@Injectable()
export class CheckpointSchedule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('audit');
  private stop?: () => void;

  constructor(
    private readonly checkpoints: AuditCheckpoints,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const seconds = this.config.auditCheckpointIntervalSeconds;
    if (seconds === 0) return;
    this.stop = repeat(
      seconds * 1000,
      () => this.seal(),
      (error) => this.logger.warn(`audit checkpoint not recorded this time: ${String(error)}`),
    );
  }

  onApplicationShutdown(): void {
    this.stop?.();
  }

  private async seal(): Promise<void> {
    const context = {
      actor: { kind: 'system' as const, id: 'audit-checkpoint-schedule' },
      correlationId: randomUUID(),
    };
    const checkpoint = await this.checkpoints.create(context);
    if (checkpoint) this.logger.log(`audit checkpoint ${checkpoint.sequence} seals up to ${checkpoint.toPosition}`);
  }
}
