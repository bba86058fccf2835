import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { Position } from '../event-store/position';
import { ProjectionRunner } from './projection-runner';

/**
 * Admin writes answer only once the read model they affect shows them (DESIGN §5), waiting at most
 * the configured bound; false means the write is recorded but not yet visible.
 */
@Injectable()
export class ReadYourWrites {
  constructor(
    private readonly runner: ProjectionRunner,
    private readonly config: AppConfig,
  ) {}

  visible(projection: string, position: Position | undefined): Promise<boolean> {
    if (!position) return Promise.resolve(true);
    return this.runner.waitForPosition(projection, position, this.config.readYourWritesTimeoutMs);
  }
}
