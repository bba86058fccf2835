import { Controller, Get, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Readiness, ReadinessReport } from './readiness';

/** Liveness (the process answers) and readiness (it can serve correctly) for load balancers. */
@Controller('health')
@ApiTags('health')
export class HealthController {
  constructor(private readonly readiness: Readiness) {}

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<ReadinessReport & { status: string }> {
    const report = this.readiness.report();
    reply.status(report.ready ? 200 : 503).header('Cache-Control', 'no-store');
    return { status: report.ready ? 'ready' : 'not_ready', ...report };
  }
}
