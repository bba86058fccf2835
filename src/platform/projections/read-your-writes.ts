import { HttpStatus, Injectable, NotFoundException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AppConfig } from '../../config/app-config';
import { Position } from '../event-store/position';
import { setETag } from '../http/etag';
import { LiveViewRunner } from './live-view-runner';
import { ProjectionRunner } from './projection-runner';

export interface AnswerOptions<View extends { revision: number }, Body> {
  /** The projection whose read model the answer comes from. */
  readonly projection: string;
  /** Where the write landed; undefined when it changed nothing. */
  readonly position: Position | undefined;
  /** The status when the read model shows the write (201 for creations, 200 otherwise). */
  readonly status: number;
  readonly load: () => Promise<View | null>;
  readonly present: (view: View) => Body;
  /** The 202 body when the bounded wait runs out: what the caller needs to read it later. */
  readonly accepted: Record<string, unknown>;
}

/**
 * Admin writes answer only once the read model they affect shows them (architecture §5), waiting at most
 * the configured bound; past it the write is recorded and the answer is `202`.
 */
@Injectable()
export class ReadYourWrites {
  constructor(
    private readonly runner: ProjectionRunner,
    private readonly liveViews: LiveViewRunner,
    private readonly config: AppConfig,
  ) {}

  /** The read model shows the write, and so do this instance's security views (a disabled client is refused at once). */
  async visible(projection: string, position: Position | undefined): Promise<boolean> {
    if (!position) return true;
    const timeout = this.config.readYourWritesTimeoutMs;
    const [projected, live] = await Promise.all([
      this.runner.waitForPosition(projection, position, timeout),
      this.liveViews.waitForPosition(position, timeout),
    ]);
    return projected && live;
  }

  /** Waits for the write, then answers `status` with the read model (and its `ETag`), or `202`. */
  async answer<View extends { revision: number }, Body>(
    reply: FastifyReply,
    options: AnswerOptions<View, Body>,
  ): Promise<Body | Record<string, unknown>> {
    if (!(await this.visible(options.projection, options.position))) {
      reply.status(HttpStatus.ACCEPTED);
      return options.accepted;
    }
    const view = await options.load();
    if (!view) throw new NotFoundException('the resource does not exist');
    reply.status(options.status);
    setETag(reply, view.revision);
    return options.present(view);
  }
}
