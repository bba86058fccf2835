import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  MinLength,
} from 'class-validator';
import { PageQuery } from '../platform/http/paging.dto';
import { MAX_CLIENT_NAME_LENGTH } from './client.decider';
import { CLIENT_SCOPES, ClientScope, ClientType } from './client.events';
import { ClientView } from './client.projection';
import { MAX_REDIRECT_URI_LENGTH, MAX_REDIRECT_URIS } from './redirect-uri';

export class RegisterClientBody {
  @IsUUID('4')
  companyId!: string;

  @IsString()
  @MinLength(1)
  @MaxLength(MAX_CLIENT_NAME_LENGTH)
  name!: string;

  @IsArray()
  @ArrayMaxSize(MAX_REDIRECT_URIS)
  @IsString({ each: true })
  @MaxLength(MAX_REDIRECT_URI_LENGTH, { each: true })
  redirectUris!: string[];

  @IsOptional()
  @IsBoolean()
  allowUserTokens?: boolean;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(CLIENT_SCOPES.length)
  @IsIn(CLIENT_SCOPES, { each: true })
  scopes?: ClientScope[];

  @IsOptional()
  @IsIn(['confidential', 'public'])
  type?: ClientType;

  /** RFC 7636: require an S256 `code_challenge` of this confidential client too (public clients always). */
  @IsOptional()
  @IsBoolean()
  requirePkce?: boolean;
}

export class PkceRequirementBody {
  @IsBoolean()
  requirePkce!: boolean;
}

export class RedirectUriBody {
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_REDIRECT_URI_LENGTH)
  uri!: string;
}

export class RedirectUriQuery {
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_REDIRECT_URI_LENGTH)
  uri!: string;
}

export class ListClientsQuery extends PageQuery {
  @IsOptional()
  @IsUUID('4')
  companyId?: string;
}

/** The read model as admins get it: its id named `clientId`, without the revision (that is the `ETag`). */
export type ClientResponse = Omit<ClientView, 'id' | 'revision'> & { readonly clientId: string };

export function toClientResponse(view: ClientView): ClientResponse {
  const { id, revision: _revision, ...rest } = view;
  return { clientId: id, ...rest };
}
