import { ApiProperty } from '@nestjs/swagger';

export class ReconcileResponse {
  @ApiProperty({ type: 'integer', example: 1 }) eventId: number;
  @ApiProperty({ type: 'integer', example: 3800, description: 'Seats in the free pool after the rebuild' }) free: number;
}
