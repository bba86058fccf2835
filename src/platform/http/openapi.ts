import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

export const ADMIN_SECURITY = 'admin';

/** What `src/metadata.ts` exports: the @nestjs/swagger plugin's findings, loaded by `loadPluginMetadata`. */
export type PluginMetadata = () => Promise<Record<string, unknown>>;

/**
 * OpenAPI for every route: the UI at `/docs`, the document at `/docs/json` (and `/docs/yaml`).
 * Nest documents its controllers' routes; `otherRoutes` are those served outside them. The DTOs' schemas
 * (types, class-validator constraints, doc comments) and the controllers' response types come from
 * `pluginMetadata`: what the @nestjs/swagger compiler plugin finds, generated into `src/metadata.ts`
 * (`npm run openapi:metadata`) because the SWC build runs no TypeScript compiler plugin.
 */
export async function serveOpenApi(
  app: INestApplication,
  version: string,
  otherRoutes: OpenAPIObject['paths'],
  pluginMetadata: PluginMetadata,
): Promise<void> {
  await SwaggerModule.loadPluginMetadata(pluginMetadata);
  const config = new DocumentBuilder()
    .setTitle('airisk-identity')
    .setDescription(
      'Event-sourced OAuth 2.0 authorization and identity service behind the AIRisk API. ' +
        'Admin routes take `Authorization: Bearer <admin API key>`; errors are RFC 9457 problem+json.',
    )
    .setVersion(version)
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'the admin API key' }, ADMIN_SECURITY)
    .build();
  const document = () => {
    const built = SwaggerModule.createDocument(app, config);
    return { ...built, paths: { ...built.paths, ...otherRoutes } };
  };
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs/json',
    yamlDocumentUrl: 'docs/yaml',
  });
}
