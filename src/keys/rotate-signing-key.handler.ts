import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { assertPlatformAdmin } from '../platform/auth/company-scope';
import { RequestContext } from '../platform/auth/request-context';
import { Rotation, SigningKeys } from './signing-keys';

export class RotateSigningKey extends Command<Rotation> {
  constructor(readonly context: RequestContext) {
    super();
  }
}

/**
 * The admin's rotation, the platform administrator's alone (the keys sign every tenant's tokens); the
 * key store generates the key and records `SigningKeyRotated`.
 */
@CommandHandler(RotateSigningKey)
export class RotateSigningKeyHandler implements ICommandHandler<RotateSigningKey> {
  constructor(private readonly keys: SigningKeys) {}

  execute({ context }: RotateSigningKey): Promise<Rotation> {
    assertPlatformAdmin(context);
    return this.keys.rotate(context);
  }
}
