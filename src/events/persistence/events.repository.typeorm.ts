import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { MoreThan, Repository } from 'typeorm';
import type { Event, NewEvent } from '../event.model';
import type { StrategyName } from '../../strategies/strategy-name';
import { EventEntity } from './event.entity';
import { EventsRepository } from './events.repository';

const toModel = (e: EventEntity): Event => ({
  id: e.id,
  name: e.name,
  startsAt: e.startsAt,
  capacity: e.capacity,
  priceCents: e.priceCents,
  strategy: e.strategy,
  maxPerCustomer: e.maxPerCustomer,
  createdAt: e.createdAt,
  updatedAt: e.updatedAt,
});

@Injectable()
export class TypeOrmEventsRepository extends EventsRepository {
  constructor(@InjectRepository(EventEntity) private readonly events: Repository<EventEntity>) {
    super();
  }

  async create(input: NewEvent): Promise<Event> {
    const saved = await this.events.save(this.events.create(input));
    // Re-read so server-side defaults (timestamps) come back exactly as stored.
    return toModel(await this.events.findOneByOrFail({ id: saved.id }));
  }

  async findById(id: number): Promise<Event | null> {
    const found = await this.events.findOneBy({ id });
    return found ? toModel(found) : null;
  }

  async listAfter(afterId: number, limit: number): Promise<Event[]> {
    const rows = await this.events.find({ where: { id: MoreThan(afterId) }, order: { id: 'ASC' }, take: limit });
    return rows.map(toModel);
  }

  async updateStrategy(id: number, strategy: StrategyName): Promise<Event | null> {
    const result = await this.events.update({ id }, { strategy });
    if (!result.affected) return null;
    return this.findById(id);
  }

  async soldCounts(ids: number[]): Promise<Map<number, number>> {
    const counts = new Map<number, number>(ids.map((id) => [id, 0]));
    if (ids.length === 0) return counts;
    const rows: { event_id: number; sold: string | number }[] = await this.events.query(
      'SELECT event_id, COUNT(*) AS sold FROM tickets WHERE event_id IN (?) GROUP BY event_id',
      [ids],
    );
    for (const row of rows) counts.set(Number(row.event_id), Number(row.sold));
    return counts;
  }
}
