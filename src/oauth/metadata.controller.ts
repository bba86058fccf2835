import { Controller, Get, Header } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AppConfig } from '../config/app-config';

/**
 * RFC 8414 authorization server metadata, built once: everything a standard client needs to
 * discover the endpoints and what they accept.
 */
@Controller('.well-known')
@ApiTags('oauth')
export class MetadataController {
  private readonly metadata: Record<string, unknown>;

  constructor(config: AppConfig) {
    const base = config.issuer;
    this.metadata = {
      issuer: base,
      authorization_endpoint: `${base}/api/oauth2`,
      token_endpoint: `${base}/api/oauth2/token`,
      revocation_endpoint: `${base}/api/oauth2/revoke`,
      introspection_endpoint: `${base}/api/oauth2/introspect`,
      jwks_uri: `${base}/.well-known/jwks.json`,
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      code_challenge_methods_supported: ['S256'],
      scopes_supported: ['admin', 'audit:read'],
      authorization_response_iss_parameter_supported: true,
      service_documentation: `${base}/docs`,
    };
  }

  @Get('oauth-authorization-server')
  @Header('Cache-Control', 'public, max-age=300')
  serve(): Record<string, unknown> {
    return this.metadata;
  }
}
