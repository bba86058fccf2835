import { Controller, Get, HttpStatus, Query, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig } from '../../config/app-config';
import { ProblemException } from '../../platform/http/problem-details';
import { LiveViewRunner } from '../../platform/projections/live-view-runner';
import { OAuthError } from '../oauth-error';
import { RawParameters } from '../parameters';
import { SecurityView } from '../security-view';
import { newGrantId } from '../tokens/opaque-tokens';
import { CATCH_UP_WAIT_MS } from '../tokens/token-validity';
import { authorizationRequest, redirectLocation, RedirectTarget, redirectTarget } from './authorization-request';
import { redirectUriHash, SealedCodes } from './sealed-codes';

/**
 * The authorization endpoint, AIRisk-shaped (RFC 6749 §4.1.1): no login or consent page; a valid
 * client, redirect URI and (optionally) `userid` are enough. Success and most errors are a `302` to
 * the redirect URI carrying `state` and `iss` (RFC 9207).
 */
@Controller('api/oauth2')
@ApiTags('oauth')
export class AuthorizeController {
  constructor(
    private readonly view: SecurityView,
    private readonly codes: SealedCodes,
    private readonly config: AppConfig,
    private readonly liveViews: LiveViewRunner,
  ) {}

  /**
   * Writes nothing: the code is sealed with its binding (see `SealedCodes`), and the grant's stream,
   * issuance included, is recorded when it is redeemed. An anonymous caller can therefore not grow
   * the store by asking for codes it never redeems.
   */
  @Get()
  async authorize(
    @Query() query: RawParameters,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (request.method === 'HEAD') {
      // Fastify answers HEAD with the GET handler: a HEAD must not be a way to obtain a code.
      void reply.status(HttpStatus.METHOD_NOT_ALLOWED).header('Allow', 'GET').send();
      return;
    }
    if (!this.liveViews.isLive()) {
      throw new ProblemException(
        HttpStatus.SERVICE_UNAVAILABLE,
        'the server is catching up; retry shortly',
        'temporarily_unavailable',
      );
    }
    const target = await this.targetOf(query);
    let authorization;
    try {
      authorization = authorizationRequest(this.view, target, query, this.config.requirePkce);
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      return this.redirect(reply, target, { error: error.error, error_description: error.description });
    }
    const { client, redirectUri, userId, scope, codeChallenge } = authorization;
    const now = new Date();
    const code = this.codes.seal({
      grantId: newGrantId(),
      clientId: client.clientId,
      companyId: client.companyId,
      userId,
      scope,
      redirectUriHash: redirectUriHash(redirectUri),
      codeChallenge,
      // A disable, rotation or deactivation from now on changes these, and the code is dead.
      cutoffs: { client: client.tokenCutoff, user: userId === null ? null : this.view.user(userId)!.tokenCutoff },
      issuedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + this.config.authorizationCodeTtlSeconds * 1000).toISOString(),
    });
    return this.redirect(reply, target, { code });
  }

  /**
   * The client and redirect URI checked against this instance's view, and again once the view has
   * caught up with the store when they are news to it: a client registered, or a URI added, on
   * another instance a moment ago works here too.
   */
  private async targetOf(query: RawParameters): Promise<RedirectTarget> {
    try {
      return redirectTarget(this.view, query);
    } catch (error) {
      if (!(error instanceof ProblemException) || !(await this.liveViews.reachStoreHead(CATCH_UP_WAIT_MS))) throw error;
      return redirectTarget(this.view, query);
    }
  }

  /** RFC 6749 §4.1.2: parameters are added to the redirect URI's query, which is kept as written. */
  private redirect(reply: FastifyReply, target: RedirectTarget, parameters: Record<string, string>): void {
    void reply
      .status(HttpStatus.FOUND)
      .header('Location', redirectLocation(target, parameters, this.config.issuer))
      .header('Cache-Control', 'no-store')
      .send();
  }
}
