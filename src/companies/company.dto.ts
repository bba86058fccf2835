import { IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength, ValidateIf } from 'class-validator';
import { MAX_COMPANY_NAME_LENGTH, MAX_USER_LICENSES } from './company.decider';
import { CompanyView } from './company.projection';

export class RegisterCompanyBody {
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_COMPANY_NAME_LENGTH)
  name!: string;

  /** Omitted or null: no limit on active users. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_USER_LICENSES)
  userLicenses?: number | null;
}

export class ChangeCompanyBody {
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_COMPANY_NAME_LENGTH)
  name?: string;

  /** null removes the limit; absent leaves it as it is. */
  @ValidateIf((_, value) => value !== null && value !== undefined)
  @IsInt()
  @Min(0)
  @Max(MAX_USER_LICENSES)
  userLicenses?: number | null;
}

/** What admins see of a company. */
export type CompanyResponse = Omit<CompanyView, 'revision'>;

export function toCompanyResponse(view: CompanyView): CompanyResponse {
  const { id, name, userLicenses, activeUsers, createdAt, updatedAt } = view;
  return { id, name, userLicenses, activeUsers, createdAt, updatedAt };
}
