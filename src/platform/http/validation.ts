import { HttpStatus, type ValidationError, ValidationPipe } from '@nestjs/common';
import { ProblemException } from './problem-details';

/**
 * Every body and query is checked against its DTO: unknown fields are refused (not silently
 * dropped), nothing is coerced implicitly, and the problem lists each field's messages (architecture §8).
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    stopAtFirstError: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) =>
      new ProblemException(HttpStatus.BAD_REQUEST, 'the request is not valid', 'validation_failed', flatten(errors)),
  });
}

function flatten(errors: ValidationError[], parent = ''): Array<{ field: string; messages: string[] }> {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, messages: Object.values(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}
