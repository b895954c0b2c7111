import { ApiParam } from '@nestjs/swagger';
import { MAX_ID } from '../http/parse-id.pipe';

/** What ParseIdPipe accepts, so a generated client types `id` as an integer and knows its range. */
export const ApiIdParam = (description = 'Event id') =>
  ApiParam({ name: 'id', schema: { type: 'integer', minimum: 1, maximum: MAX_ID, example: 1 }, description });
