import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { ChangeUserChatSettingsHandler, ChangeUserHandler } from './change-user.handler';
import { EraseUserHandler } from './erase-user.handler';
import { ErasureReconciler } from './erasure-reconciler';
import { RegisterUserHandler } from './register-user.handler';
import { RegistrationReconciler } from './registration-reconciler';
import { RevokeUserTokensHandler } from './revoke-user-tokens.handler';
import { DeactivateUserHandler, ReactivateUserHandler } from './user-activation.handler';
import { GrantUserAgentHandler, RevokeUserAgentHandler, SetUserDefaultAgentHandler } from './user-agents.handler';
import { UserAgentsController } from './user-agents.controller';
import { UserReplies } from './user-http';
import { UserErasure } from './user-erasure';
import { UsersController } from './users.controller';

/** Users: the AIRisk ApplicationUsers, their agents, default agent and chat settings. */
@Module({
  imports: [CqrsModule],
  controllers: [UsersController, UserAgentsController],
  providers: [
    RegisterUserHandler,
    ChangeUserHandler,
    ChangeUserChatSettingsHandler,
    GrantUserAgentHandler,
    RevokeUserAgentHandler,
    SetUserDefaultAgentHandler,
    DeactivateUserHandler,
    ReactivateUserHandler,
    RevokeUserTokensHandler,
    UserReplies,
    RegistrationReconciler,
    EraseUserHandler,
    UserErasure,
    ErasureReconciler,
  ],
})
export class UsersModule {}
