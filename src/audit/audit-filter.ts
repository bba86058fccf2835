import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { Type } from 'class-transformer';
import { ACTOR_KINDS, ActorKind, RecordedEvent } from '../platform/event-store/event-store';
import { namedIn } from './named-in';

const asList = ({ value }: { value: unknown }) =>
  value === undefined ? undefined : Array.isArray(value) ? value : [value];

/** The filters of `GET /api/admin/audit/events` (and of export): all optional, all combined with AND. */
export class AuditEventsQuery {
  @IsOptional()
  @IsString()
  @MaxLength(300)
  stream?: string;

  /** A stream category: `client`, `user`, `grant`, … (the part of a stream name before its first dash). */
  @IsOptional()
  @Matches(/^[a-z]{1,40}$/)
  category?: string;

  @IsOptional()
  @Transform(asList)
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  type?: string[];

  /** The actor's id (`api-key:…`, a client id, …). */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  actor?: string;

  @IsOptional()
  @IsIn(ACTOR_KINDS)
  actorKind?: ActorKind;

  @IsOptional()
  @IsString()
  @MaxLength(100)
  companyId?: string;

  @IsOptional()
  @IsString()
  @MaxLength(100)
  clientId?: string;

  @IsOptional()
  @IsString()
  @MaxLength(128)
  userId?: string;

  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  /** A position cursor: only events after it (the `nextCursor` of a previous page). */
  @IsOptional()
  @Matches(/^\d{1,20}\/\d{1,20}$/)
  after?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

/** Whether an event passes the filters that the store cannot apply itself. */
export function matches(event: RecordedEvent, filter: AuditEventsQuery, companyScope: string | undefined): boolean {
  const { metadata } = event;
  if (companyScope !== undefined && metadata.companyId !== companyScope) return false;
  if (filter.stream !== undefined && event.stream !== filter.stream) return false;
  if (filter.category !== undefined && !event.stream.startsWith(`${filter.category}-`)) return false;
  if (filter.actor !== undefined && metadata.actor?.id !== filter.actor) return false;
  if (filter.actorKind !== undefined && metadata.actor?.kind !== filter.actorKind) return false;
  if (filter.companyId !== undefined && metadata.companyId !== filter.companyId) return false;
  if (
    filter.clientId !== undefined &&
    namedIn(event, 'clientId') !== filter.clientId &&
    event.stream !== `client-${filter.clientId}`
  )
    return false;
  if (
    filter.userId !== undefined &&
    namedIn(event, 'userId') !== filter.userId &&
    event.stream !== `user-${filter.userId}`
  )
    return false;
  if (filter.from !== undefined && Date.parse(event.recordedAt) < Date.parse(filter.from)) return false;
  if (filter.to !== undefined && Date.parse(event.recordedAt) > Date.parse(filter.to)) return false;
  return true;
}
