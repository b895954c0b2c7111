
export interface Event {
  id: number;
  name: string;
  startsAt: Date;
  capacity: number;
  priceCents: number;
  strategy: string;
  maxPerCustomer: number | null;
  createdAt: Date;
  updatedAt: Date;
}

export type NewEvent = Omit<Event, 'id' | 'createdAt' | 'updatedAt'>;
