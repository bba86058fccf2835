import { Injectable } from '@nestjs/common';
import { IsISO8601, IsOptional, IsString, MaxLength } from 'class-validator';
import { ClientState, clientDecider, clientStream } from '../clients/client.decider';
import { notFound } from '../platform/auth/company-scope';
import { EventStore } from '../platform/event-store/event-store';
import { type Decider, foldEvents } from '../platform/event-store/decide-on-stream';
import type { DomainEvent } from '../platform/event-store/event-catalogue';
import { userDecider, UserState, userStream } from '../users/user.decider';

export class AsOfQuery {
  @IsISO8601({ strict: true })
  at!: string;
}

export class ActiveTokensQuery extends AsOfQuery {
  @IsOptional()
  @IsString()
  @MaxLength(100)
  clientId?: string;

  @IsOptional()
  @IsString()
  @MaxLength(128)
  userId?: string;
}

/**
 * Time travel: an aggregate as it stood at an instant, by folding its events recorded up to then
 * with the same `evolve` the service decides with: the answer is what the service itself believed.
 */
@Injectable()
export class AsOf {
  constructor(private readonly events: EventStore) {}

  user(
    userId: string,
    at: string,
    companyScope: string | undefined,
  ): Promise<{ at: string; revision: number; user: UserState }> {
    return this.fold(userStream(userId), userDecider, at, companyScope, 'user', userId).then(({ revision, state }) => ({
      at,
      revision,
      user: state,
    }));
  }

  client(
    clientId: string,
    at: string,
    companyScope: string | undefined,
  ): Promise<{ at: string; revision: number; client: ClientState }> {
    return this.fold(clientStream(clientId), clientDecider, at, companyScope, 'client', clientId).then(
      ({ revision, state }) => ({ at, revision, client: state }),
    );
  }

  private async fold<Command, Event extends DomainEvent, State extends { status: string }>(
    stream: string,
    decider: Decider<Command, Event, State>,
    at: string,
    companyScope: string | undefined,
    what: string,
    id: string,
  ): Promise<{ revision: number; state: State }> {
    const instant = Date.parse(at);
    const history = (await this.events.readStream(stream)).filter((event) => Date.parse(event.recordedAt) <= instant);
    const state = foldEvents(decider, history);
    const inScope = companyScope === undefined || ('companyId' in state && state.companyId === companyScope);
    if (state.status === 'absent' || !inScope) throw notFound(what, id);
    return { revision: history.length - 1, state };
  }
}
