import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsISO8601, IsObject, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateIf, ValidateNested } from 'class-validator';
import { MAX_CAPACITY, MAX_HOLD_TTL_MS } from './create-event.dto';
import { QueueSettingsDto } from './queue-settings.dto';

/** Present and not null: validate it. Absent: leave it. Null (where allowed): clear it. */
const unlessNull = ValidateIf((_o: unknown, value: unknown) => value !== null && value !== undefined);
const unlessAbsent = ValidateIf((_o: unknown, value: unknown) => value !== undefined);

/**
 * PATCH /events/:id: every field optional; `null` clears the sale window's
 * ends, the per-customer limit and the per-event hold time.
 */
export class UpdateEventDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 200 })
  @unlessAbsent
  @MinLength(1)
  @MaxLength(200)
  @Matches(/^[^\p{Cc}]+$/u, { message: 'name must not contain control characters' })
  @IsString()
  name?: string;

  @ApiPropertyOptional({ format: 'date-time', example: '2027-06-01T19:30:00Z' })
  @unlessAbsent
  @IsISO8601({ strict: true }, { message: 'startsAt must be an ISO 8601 date-time' })
  startsAt?: string;

  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String, example: '2027-03-01T10:00:00Z' })
  @unlessNull
  @IsISO8601({ strict: true }, { message: 'salesStartAt must be an ISO 8601 date-time or null' })
  salesStartAt?: string | null;

  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String, example: '2027-06-01T18:00:00Z' })
  @unlessNull
  @IsISO8601({ strict: true }, { message: 'salesEndAt must be an ISO 8601 date-time or null' })
  salesEndAt?: string | null;

  @ApiPropertyOptional({ nullable: true, type: 'integer', minimum: 1, maximum: MAX_CAPACITY })
  @unlessNull
  @Min(1)
  @Max(MAX_CAPACITY)
  @IsInt()
  maxPerCustomer?: number | null;

  @ApiPropertyOptional({ nullable: true, type: 'integer', minimum: 1000, maximum: MAX_HOLD_TTL_MS })
  @unlessNull
  @Min(1000)
  @Max(MAX_HOLD_TTL_MS)
  @IsInt()
  checkoutHoldTtlMs?: number | null;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_CAPACITY,
    description:
      'Raising puts the new seats on sale at once (waiting list first); lowering stops at the highest seat held or sold (409 CAPACITY_BELOW_SOLD)',
  })
  @unlessAbsent
  @Min(1, { message: 'capacity must not be less than 1' })
  @Max(MAX_CAPACITY)
  @IsInt()
  capacity?: number;

  @ApiPropertyOptional({
    type: QueueSettingsDto,
    description: 'Turns the waiting room on or off; buyers already queued keep their place (turning it off lets everyone book)',
  })
  @unlessAbsent
  @ValidateNested()
  @Type(() => QueueSettingsDto)
  @IsObject({ message: 'queue must be an object like {"mode": "fifo"}' })
  queue?: QueueSettingsDto;
}
