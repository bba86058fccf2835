import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { RequestContext } from '../platform/auth/request-context';
import { Rotation, SigningKeys } from './signing-keys';

export class RotateSigningKey {
  constructor(readonly context: RequestContext) {}
}

/** The admin's rotation; the key store generates the key and records `SigningKeyRotated`. */
@CommandHandler(RotateSigningKey)
export class RotateSigningKeyHandler implements ICommandHandler<RotateSigningKey, Rotation> {
  constructor(private readonly keys: SigningKeys) {}

  execute({ context }: RotateSigningKey): Promise<Rotation> {
    return this.keys.rotate(context);
  }
}
