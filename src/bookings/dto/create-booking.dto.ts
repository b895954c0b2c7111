import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsInt, Max, MaxLength, Min } from 'class-validator';

export class CreateBookingDto {
  @ApiProperty({ example: 'ada@example.com', maxLength: 254 })
  @MaxLength(254)
  @IsEmail({}, { message: 'customerEmail must be an e-mail address' })
  customerEmail: string;

  @ApiProperty({ example: 2, minimum: 1, description: 'Seats to book; at most MAX_TICKETS_PER_BOOKING (10 by default)' })
  @Min(1)
  @Max(1000)
  @IsInt({ message: 'quantity must be a whole number' })
  quantity: number;
}

