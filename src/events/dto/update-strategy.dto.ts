import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { STRATEGY_NAMES, StrategyName } from '../../strategies/strategy-name';

export class UpdateStrategyDto {
  @ApiProperty({ enum: STRATEGY_NAMES, example: 'pessimistic' })
  @IsIn(STRATEGY_NAMES)
  strategy: StrategyName;
}
