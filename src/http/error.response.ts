import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** Every error the API returns has this shape. */
export class ErrorResponse {
  @ApiProperty({ example: 409 }) statusCode: number;
  @ApiProperty({ example: 'Conflict' }) error: string;
  @ApiProperty({ example: 'sold out: no seats left' }) message: string;
  @ApiPropertyOptional({ example: 'SOLD_OUT' }) code?: string;
  @ApiPropertyOptional({ type: [String], description: 'One line per invalid field (400)' }) details?: string[];
  @ApiPropertyOptional({ example: 0, description: 'Seats left (SOLD_OUT)' }) available?: number;
}
