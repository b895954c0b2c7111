import type { StrategyName } from '../strategies/strategy-name';

export interface Event {
  id: number;
  name: string;
  startsAt: Date;
  capacity: number;
  priceCents: number;
  strategy: StrategyName;
  maxPerCustomer: number | null;
  createdAt: Date;
  updatedAt: Date;
}

export type NewEvent = Omit<Event, 'id' | 'createdAt' | 'updatedAt'>;
