import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { KeysController } from './keys.controller';
import { RotateSigningKeyHandler } from './rotate-signing-key.handler';
import { SigningKeys } from './signing-keys';

/** Signing keys, rotation and the JWKS; `SigningKeys` is what the token code signs and verifies with. */
@Module({
  imports: [CqrsModule],
  controllers: [KeysController],
  providers: [SigningKeys, RotateSigningKeyHandler],
  exports: [SigningKeys],
})
export class KeysModule {}
