import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { KeysController } from './keys.controller';
import { RotateSigningKeyHandler } from './rotate-signing-key.handler';
import { CodeSealingKey } from './code-sealing-key';
import { SigningKeys } from './signing-keys';

/**
 * Signing keys, rotation and the JWKS; `SigningKeys` is what the token code signs and verifies with,
 * `CodeSealingKey` what authorization codes are sealed with.
 */
@Module({
  imports: [CqrsModule],
  controllers: [KeysController],
  providers: [SigningKeys, CodeSealingKey, RotateSigningKeyHandler],
  exports: [SigningKeys, CodeSealingKey],
})
export class KeysModule {}
