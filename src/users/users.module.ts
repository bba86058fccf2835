import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { ChangeUserHandler } from './change-user.handler';
import { RegisterUserHandler } from './register-user.handler';
import { ChangeUserActivationHandler } from './user-activation.handler';
import { RegistrationReconciler } from './registration-reconciler';
import { UsersController } from './users.controller';

/** Users: the AIRisk ApplicationUsers, their agents, default agent and chat settings. */
@Module({
  imports: [CqrsModule],
  controllers: [UsersController],
  providers: [RegisterUserHandler, ChangeUserHandler, ChangeUserActivationHandler, RegistrationReconciler],
})
export class UsersModule {}
