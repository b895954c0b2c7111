import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { StrategyName } from '../../strategies/strategy-name';

@Entity({ name: 'events' })
export class EventEntity {
  @PrimaryGeneratedColumn({ type: 'int', unsigned: true })
  id: number;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ name: 'starts_at', type: 'datetime', precision: 3 })
  startsAt: Date;

  @Column({ type: 'int', unsigned: true })
  capacity: number;

  @Column({ name: 'price_cents', type: 'int', unsigned: true, default: 0 })
  priceCents: number;

  @Column({ type: 'varchar', length: 16 })
  strategy: StrategyName;

  @Column({ name: 'max_per_customer', type: 'int', unsigned: true, nullable: true })
  maxPerCustomer: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt: Date;
}
