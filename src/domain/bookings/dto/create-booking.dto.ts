import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsInt, Matches, Max, MaxLength, Min } from 'class-validator';

export class CreateBookingDto {
  @ApiProperty({ format: 'email', example: 'ada@example.com', maxLength: 254 })
  @MaxLength(254)
  // Unicode addresses are fine; invisible controls (NUL, bidi overrides) only ever spoof or break logs.
  @Matches(/^[^\p{C}]*$/u, { message: 'customerEmail must not contain control or formatting characters' })
  @IsEmail({}, { message: 'customerEmail must be an e-mail address' })
  customerEmail: string;

  @ApiProperty({
    type: 'integer',
    example: 2,
    minimum: 1,
    maximum: 1000,
    description: 'Seats to book; at most MAX_TICKETS_PER_BOOKING (10 by default)',
  })
  @Min(1)
  @Max(1000)
  @IsInt({ message: 'quantity must be a whole number' })
  quantity: number;
}
