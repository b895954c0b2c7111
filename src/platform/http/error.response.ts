import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ERROR_CODES, ErrorCode } from '../../shared/errors/error-codes';

/** Every error the API returns has this shape. */
export class ErrorResponse {
  @ApiProperty({ type: 'integer', example: 409 }) statusCode: number;
  @ApiProperty({ example: 'Conflict' }) error: string;
  @ApiProperty({ example: 'sold out: no seats left' }) message: string;
  // A named enum: generated clients get an `ErrorCode` type to switch on.
  @ApiPropertyOptional({ enum: ERROR_CODES, enumName: 'ErrorCode', example: 'SOLD_OUT', description: 'Stable, machine-readable reason' })
  code?: ErrorCode;
  @ApiPropertyOptional({ type: [String], description: 'One line per invalid field (400)' }) details?: string[];
  @ApiPropertyOptional({ type: 'integer', example: 0, description: 'Seats left (SOLD_OUT)' }) available?: number;
  @ApiPropertyOptional({ type: 'integer', example: 2, description: 'Seats asked for (SOLD_OUT)' }) requested?: number;
  @ApiPropertyOptional({ format: 'date-time', description: 'When the sale opens (SALE_NOT_OPEN)' }) opensAt?: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'When the sale closed (SALE_CLOSED)' }) closedAt?: string;
  @ApiPropertyOptional({ type: 'integer', description: 'Highest seat held or sold (CAPACITY_BELOW_SOLD)' }) highestSeat?: number;
  @ApiPropertyOptional({
    example: '0b6f5c1e-8d0e-4e55-9a57-0c6c4fd3a0a9',
    description: "The request's id, also in the X-Request-Id header and in every log line of the request",
  })
  requestId?: string;
}
