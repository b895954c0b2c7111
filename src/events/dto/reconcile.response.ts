import { ApiProperty } from '@nestjs/swagger';

export class ReconcileResponse {
  @ApiProperty({ example: 1 }) eventId: number;
  @ApiProperty({ example: 3800, description: 'Seats in the free pool after the rebuild' }) free: number;
}
