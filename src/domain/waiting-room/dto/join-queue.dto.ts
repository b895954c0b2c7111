import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, Matches, MaxLength } from 'class-validator';

export class JoinQueueDto {
  @ApiProperty({ format: 'email', example: 'ada@example.com', maxLength: 254, description: 'One live ticket per customer and event' })
  @MaxLength(254)
  @Matches(/^[^\p{C}]*$/u, { message: 'customerEmail must not contain control or formatting characters' })
  @IsEmail({}, { message: 'customerEmail must be an e-mail address' })
  customerEmail: string;
}
