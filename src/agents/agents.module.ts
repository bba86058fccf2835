import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { ChangeAgentHandler, RegisterAgentHandler } from './agent.handlers';
import { AgentsController } from './agents.controller';

/** Agents: a company's AI agents and their chat defaults. */
@Module({
  imports: [CqrsModule],
  controllers: [AgentsController],
  providers: [RegisterAgentHandler, ChangeAgentHandler],
})
export class AgentsModule {}
