import { BadRequestException, Injectable, PipeTransform } from '@nestjs/common';
import type { ErrorCode } from '../../shared/errors/error-codes';

export const MAX_ID = 4_294_967_295; // INT UNSIGNED

/** Ids are positive integers; anything else is a 400 naming the parameter. */
@Injectable()
export class ParseIdPipe implements PipeTransform<string, number> {
  constructor(private readonly name = 'id') {}

  transform(value: string): number {
    if (!/^[1-9][0-9]{0,9}$/.test(value) || Number(value) > MAX_ID) {
      throw new BadRequestException({ message: `${this.name} must be a positive integer`, code: 'INVALID_ID' satisfies ErrorCode });
    }
    return Number(value);
  }
}
