import { BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';

/**
 * Strict by design: unknown fields are refused, nothing is coerced in bodies
 * ("5" is not a number), and every message names the field.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    forbidUnknownValues: true,
    stopAtFirstError: true,
    exceptionFactory: (errors: ValidationError[]) =>
      new BadRequestException({ message: flatten(errors), code: 'VALIDATION_FAILED' }),
  });
}

function flatten(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((m) =>
      m.startsWith(e.property) ? `${path}${m.slice(e.property.length)}` : `${path}: ${m}`,
    );
    return [...own, ...flatten(e.children ?? [], path)];
  });
}
