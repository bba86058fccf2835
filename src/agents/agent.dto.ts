import { PartialType } from '@nestjs/swagger';
import { IsInt, IsNumber, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { MAX_AGENT_NAME_LENGTH, MAX_MESSAGES_RANGE, TEMPERATURE_RANGE } from './agent.decider';
import { AgentView } from './agent.projection';

export class RegisterAgentBody {
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_AGENT_NAME_LENGTH)
  name!: string;

  @IsOptional()
  @IsInt()
  @Min(MAX_MESSAGES_RANGE.min)
  @Max(MAX_MESSAGES_RANGE.max)
  maxMessages?: number;

  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(TEMPERATURE_RANGE.min)
  @Max(TEMPERATURE_RANGE.max)
  temperature?: number;
}

/** Every field optional, with the same rules (mapped types keep the validators and the OpenAPI schema). */
export class ChangeAgentBody extends PartialType(RegisterAgentBody) {}

/** The read model as admins get it: its id named `agentId`, without the revision (that is the `ETag`). */
export type AgentResponse = Omit<AgentView, 'id' | 'revision'> & { readonly agentId: string };

export function toAgentResponse(view: AgentView): AgentResponse {
  const { id, revision: _revision, ...rest } = view;
  return { agentId: id, ...rest };
}
