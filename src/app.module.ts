import { DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AgentsModule } from './agents/agents.module';
import { AuditModule } from './audit/audit.module';
import { ClientsModule } from './clients/clients.module';
import { CompaniesModule } from './companies/companies.module';
import { AppConfig } from './config/app-config';
import { PlatformModule } from './platform/platform.module';
import { KeysModule } from './keys/keys.module';
import { OAuthModule } from './oauth/oauth.module';
import { SecurityView } from './oauth/security-view';
import { projections } from './projections';
import { userPersonalData } from './users/user.events';
import { UsersModule } from './users/users.module';

@Module({})
export class AppModule {
  static create(config: AppConfig, adminKey: string): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CqrsModule.forRoot(),
        PlatformModule.forRoot({
          config,
          adminKey,
          projections,
          liveViews: [SecurityView],
          personalData: userPersonalData,
        }),
        CompaniesModule,
        ClientsModule,
        AgentsModule,
        UsersModule,
        KeysModule,
        OAuthModule,
        AuditModule,
      ],
    };
  }
}
