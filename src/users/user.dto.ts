import {
  IsEmail,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';
import { MAX_MESSAGES_RANGE, TEMPERATURE_RANGE } from '../agents/agent.decider';
import { PageQuery } from '../platform/http/paging.dto';
import { MAX_ERASURE_REASON_LENGTH, MAX_NAME_LENGTH, USER_ID_PATTERN } from './user.decider';
import { USER_ROLES, UserRole } from './user.events';
import { UserView } from './user.projection';

const USER_ID_MESSAGE = 'id has 1 to 128 characters from A-Z a-z 0-9 . _ @ : -';

export class RegisterUserBody {
  @IsOptional()
  @IsString()
  @Matches(USER_ID_PATTERN, { message: USER_ID_MESSAGE })
  id?: string;

  @IsUUID('4')
  companyId!: string;

  @IsString()
  @MaxLength(254)
  @IsEmail()
  email!: string;

  @IsString()
  @MinLength(1)
  @MaxLength(MAX_NAME_LENGTH)
  firstName!: string;

  @IsString()
  @MinLength(1)
  @MaxLength(MAX_NAME_LENGTH)
  lastName!: string;

  @IsIn(USER_ROLES)
  role!: UserRole;
}

export class ChangeUserBody {
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_NAME_LENGTH)
  firstName?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_NAME_LENGTH)
  lastName?: string;

  @IsOptional()
  @IsIn(USER_ROLES)
  role?: UserRole;
}

/** Why a user is erased: recorded in the audit trail for good, so it must name no person. */
export class EraseUserBody {
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_ERASURE_REASON_LENGTH)
  reason!: string;
}

export class AgentReferenceBody {
  @IsUUID('4')
  agentId!: string;
}

/** User overrides of the agent defaults: a value sets it, `null` clears it, absent leaves it. */
export class ChatSettingsBody {
  @ValidateIf((_, value) => value !== null && value !== undefined)
  @IsInt()
  @Min(MAX_MESSAGES_RANGE.min)
  @Max(MAX_MESSAGES_RANGE.max)
  maxMessages?: number | null;

  @ValidateIf((_, value) => value !== null && value !== undefined)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(TEMPERATURE_RANGE.min)
  @Max(TEMPERATURE_RANGE.max)
  temperature?: number | null;
}

export class ListUsersQuery extends PageQuery {
  @IsOptional()
  @IsUUID('4')
  companyId?: string;

  @IsOptional()
  @IsString()
  @MaxLength(254)
  email?: string;
}

/** The read model as admins get it: without the lowercased email key and the revision (that is the `ETag`). */
export type UserResponse = Omit<UserView, 'emailKey' | 'revision'>;

export function toUserResponse(view: UserView): UserResponse {
  const { emailKey: _emailKey, revision: _revision, ...rest } = view;
  return rest;
}
