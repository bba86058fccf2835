import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { ChangeClientHandler } from './change-client.handler';
import { ClientsController } from './clients.controller';
import { RegisterClientHandler } from './register-client.handler';
import { RotateClientSecretHandler } from './rotate-client-secret.handler';

/** Clients: the AIRisk APIUsers, OAuth clients of a company. */
@Module({
  imports: [CqrsModule],
  controllers: [ClientsController],
  providers: [RegisterClientHandler, ChangeClientHandler, RotateClientSecretHandler],
})
export class ClientsModule {}
