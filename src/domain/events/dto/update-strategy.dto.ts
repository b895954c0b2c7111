import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { STRATEGY_NAMES } from '../../inventory/strategies/strategy-name';

/** Shape only: which names exist is the strategy registry's answer (400 naming them). */
export const STRATEGY_NAME_FORMAT = /^[a-z][a-z0-9-]{0,15}$/;

export class UpdateStrategyDto {
  @ApiProperty({ enum: STRATEGY_NAMES, enumName: 'StrategyName', example: 'pessimistic' })
  @Matches(STRATEGY_NAME_FORMAT, { message: `strategy must be one of the following values: ${STRATEGY_NAMES.join(', ')}` })
  @IsString()
  strategy: string;
}
