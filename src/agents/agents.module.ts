import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AgentsController } from './agents.controller';
import { ChangeAgentHandler } from './change-agent.handler';
import { RegisterAgentHandler } from './register-agent.handler';

/** Agents: a company's AI agents and their chat defaults. */
@Module({
  imports: [CqrsModule],
  controllers: [AgentsController],
  providers: [RegisterAgentHandler, ChangeAgentHandler],
})
export class AgentsModule {}
