import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsISO8601, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateNested } from 'class-validator';
import { QueueSettingsDto } from './queue-settings.dto';
import { STRATEGY_NAMES } from '../../inventory/strategies/strategy-name';
import { STRATEGY_NAME_FORMAT } from './update-strategy.dto';

export const MAX_CAPACITY = 200_000;
/** A day: a checkout hold longer than that is a reservation system, not a checkout. */
export const MAX_HOLD_TTL_MS = 86_400_000;

export class CreateEventDto {
  @ApiProperty({ example: 'Stadium tour — night 1', minLength: 1, maxLength: 200 })
  @MinLength(1)
  @MaxLength(200)
  // Control characters in a name end up in logs, tickets and e-mails.
  @Matches(/^[^\p{Cc}]+$/u, { message: 'name must not contain control characters' })
  @IsString()
  name: string;

  @ApiProperty({ format: 'date-time', example: '2027-06-01T19:30:00Z', description: 'ISO 8601 date-time' })
  @IsISO8601({ strict: true }, { message: 'startsAt must be an ISO 8601 date-time' })
  startsAt: string;

  @ApiProperty({ type: 'integer', example: 5000, minimum: 1, maximum: MAX_CAPACITY })
  @Min(1)
  @Max(MAX_CAPACITY)
  @IsInt()
  capacity: number;

  @ApiPropertyOptional({ type: 'integer', example: 4900, minimum: 0, maximum: 100_000_000, default: 0 })
  @IsOptional()
  @Min(0)
  @Max(100_000_000)
  @IsInt()
  priceCents?: number;

  @ApiPropertyOptional({ enum: STRATEGY_NAMES, enumName: 'StrategyName', default: 'atomic' })
  @IsOptional()
  // The names the server knows are checked against its strategy registry (400 naming them).
  @Matches(STRATEGY_NAME_FORMAT, { message: `strategy must be one of the following values: ${STRATEGY_NAMES.join(', ')}` })
  @IsString()
  strategy?: string;

  @ApiPropertyOptional({
    type: 'integer',
    example: 4,
    minimum: 1,
    maximum: MAX_CAPACITY,
    description: 'Tickets one customer e-mail may hold (confirmed and held)',
  })
  @IsOptional()
  @Min(1)
  @Max(MAX_CAPACITY)
  @IsInt()
  maxPerCustomer?: number;

  @ApiPropertyOptional({
    format: 'date-time',
    example: '2027-03-01T10:00:00Z',
    description: 'Bookings and holds before this instant answer 409 SALE_NOT_OPEN',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'salesStartAt must be an ISO 8601 date-time' })
  salesStartAt?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    example: '2027-06-01T18:00:00Z',
    description: 'From this instant on, 409 SALE_CLOSED; must be after salesStartAt',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'salesEndAt must be an ISO 8601 date-time' })
  salesEndAt?: string;

  @ApiPropertyOptional({
    type: 'integer',
    example: 600000,
    minimum: 1000,
    maximum: MAX_HOLD_TTL_MS,
    description: 'How long a checkout hold lasts (default CHECKOUT_HOLD_TTL_MS)',
  })
  @IsOptional()
  @Min(1000)
  @Max(MAX_HOLD_TTL_MS)
  @IsInt()
  checkoutHoldTtlMs?: number;

  @ApiPropertyOptional({ type: QueueSettingsDto, description: 'The waiting room; absent: off' })
  @IsOptional()
  @ValidateNested()
  @Type(() => QueueSettingsDto)
  @IsObject({ message: 'queue must be an object like {"mode": "fifo"}' })
  queue?: QueueSettingsDto;
}
