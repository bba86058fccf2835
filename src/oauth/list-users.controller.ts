import { Controller, Get, HttpStatus, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { bearerToken } from '../platform/auth/bearer-token';
import { ProblemException } from '../platform/http/problem-details';
import { ReadModels } from '../platform/read-store/read-models';
import { Document } from '../platform/read-store/read-store';
import { USERS, UserView } from '../users/user.projection';
import { AccessTokens, AccessTokenClaims } from './tokens/access-tokens';
import { SecurityView } from './security-view';
import { TokenValidity } from './tokens/token-validity';

export interface ListedUser {
  readonly id: string;
  readonly email: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly role: string;
}

const PAGE = 1000;

/**
 * The AIRisk `ListUsers` resource (both documented paths): any valid access token, generic or
 * user, lists the active users of its company, so an application can pick a `userid`.
 */
@Controller('api')
@ApiTags('resources')
@ApiBearerAuth()
export class ListUsersController {
  constructor(
    private readonly accessTokens: AccessTokens,
    private readonly validity: TokenValidity,
    private readonly readModels: ReadModels,
    private readonly view: SecurityView,
  ) {}

  @Get(['Users/ListUsers', 'ListUsers'])
  async list(@Req() request: FastifyRequest): Promise<ListedUser[]> {
    const claims = await this.bearer(request.headers.authorization);
    const users: ListedUser[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.readModels.page<UserView & Document>(
        USERS,
        { companyId: claims.company_id, status: 'active' },
        { limit: PAGE, cursor },
      );
      users.push(
        ...page.items.map(({ id, email, firstName, lastName, role }) => ({ id, email, firstName, lastName, role })),
      );
      cursor = page.nextCursor;
    } while (cursor);
    return users;
  }

  /** RFC 6750 §2.1, §3: a missing, invalid, expired or revoked token is `401` with `WWW-Authenticate: Bearer`. */
  private async bearer(authorization: string | undefined): Promise<AccessTokenClaims> {
    const token = bearerToken(authorization);
    const claims = token === undefined ? null : this.accessTokens.verify(token);
    if (!claims || !(await this.validity.isAccessTokenHonoured(claims))) {
      throw new ProblemException(
        HttpStatus.UNAUTHORIZED,
        'a valid access token is required',
        token === undefined ? 'missing_token' : 'invalid_token',
      );
    }
    // Anyone can obtain a public client's generic token (its id is no secret): it does not list people.
    if (claims.userid === undefined && this.view.client(claims.client_id)?.type !== 'confidential') {
      throw new ProblemException(
        HttpStatus.FORBIDDEN,
        "a public client's generic token cannot list users: anyone can obtain one",
        'insufficient_scope',
      );
    }
    return claims;
  }
}
