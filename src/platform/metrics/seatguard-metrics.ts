import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Every Prometheus series the service exports. One registry per app instance
 * (not the global one) so several apps in one test process do not collide.
 */
@Injectable()
export class SeatguardMetrics {
  readonly registry = new Registry();

  readonly bookings = new Counter({
    name: 'seatguard_bookings_total',
    help: 'Booking requests by strategy and outcome',
    labelNames: ['strategy', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly bookingSeconds = new Histogram({
    name: 'seatguard_booking_duration_seconds',
    help: 'Time to answer a booking request',
    labelNames: ['strategy', 'outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly lockWaitSeconds = new Histogram({
    name: 'seatguard_lock_wait_seconds',
    help: 'Time spent acquiring the distributed event lock',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly lockEvents = new Counter({
    name: 'seatguard_lock_events_total',
    help: 'Distributed lock events: contended (acquire retried), extended, lost',
    labelNames: ['event'] as const,
    registers: [this.registry],
  });

  readonly watchAborts = new Counter({
    name: 'seatguard_watch_aborts_total',
    help: 'Optimistic transactions aborted by a concurrent change (EXEC returned nil)',
    registers: [this.registry],
  });

  readonly attemptsPerBooking = new Histogram({
    name: 'seatguard_booking_attempts',
    help: 'Inventory attempts needed per booking, by strategy',
    labelNames: ['strategy'] as const,
    buckets: [1, 2, 3, 5, 8, 13, 21, 50, 100],
    registers: [this.registry],
  });

  readonly luaCalls = new Counter({
    name: 'seatguard_lua_calls_total',
    help: 'Inventory Lua script calls by script',
    labelNames: ['script'] as const,
    registers: [this.registry],
  });

  readonly inventoryRebuilds = new Counter({
    name: 'seatguard_inventory_rebuilds_total',
    help: 'Redis inventory rebuilds from MySQL, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly seatsReturned = new Counter({
    name: 'seatguard_seats_returned_total',
    help: 'Seats given back to the pool, by reason (compensation, cancellation, expired-hold: an expired reservation, lost-take: a take whose reply was lost, cancelled)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly transactionSeconds = new Histogram({
    name: 'seatguard_db_transaction_seconds',
    help: 'MySQL transactions from taking a pooled connection to the COMMIT answer (bookings, holds, cancellations)',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly ambiguousCommits = new Counter({
    name: 'seatguard_ambiguous_commits_total',
    help: 'Bookings whose COMMIT answer was lost, by what MySQL said afterwards: at once (committed, not-committed, unknown), or once it answered again (committed-later, not-committed-later)',
    labelNames: ['resolution'] as const,
    registers: [this.registry],
  });

  readonly httpRequestSeconds = new Histogram({
    name: 'seatguard_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  // The waiting room (src/domain/waiting-room/). Gauges are the last admission step's view, per event.
  readonly queueJoins = new Counter({
    name: 'seatguard_queue_joins_total',
    help: 'Tickets issued by waiting rooms',
    registers: [this.registry],
  });

  readonly queueAdmissions = new Counter({
    name: 'seatguard_queue_admissions_total',
    help: 'Buyers admitted by waiting rooms (rate() of it: admissions per second)',
    registers: [this.registry],
  });

  readonly queueWaiting = new Gauge({
    name: 'seatguard_queue_waiting',
    help: 'Tickets waiting in line, per event (the last admission step this instance ran)',
    labelNames: ['event'] as const,
    registers: [this.registry],
  });

  readonly queueUnserved = new Gauge({
    name: 'seatguard_queue_admitted_unserved',
    help: 'Admitted buyers who have not used their admission yet, per event, and the limit the stock allows',
    labelNames: ['event', 'kind'] as const,
    registers: [this.registry],
  });

  readonly queueAdmitRate = new Gauge({
    name: 'seatguard_queue_admit_rate',
    help: 'Admissions per second a waiting room allows, per event: min(ceiling, max(floor, served per second x headroom))',
    labelNames: ['event'] as const,
    registers: [this.registry],
  });

  readonly queueWaitSeconds = new Histogram({
    name: 'seatguard_queue_wait_seconds',
    help: 'Time from joining a waiting room to admission',
    buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
    registers: [this.registry],
  });

  readonly queueSoldOutNotices = new Counter({
    name: 'seatguard_queue_sold_out_notices_total',
    help: 'Ticket reads answered sold_out, and streams told sold_out when their room closed',
    registers: [this.registry],
  });

  readonly queueSoldOutPushSeconds = new Histogram({
    name: 'seatguard_queue_sold_out_push_seconds',
    help: 'When a room closes: time this instance took to write sold_out to its waiting streams (before ending them)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly queueStreamsOpen = new Gauge({
    name: 'seatguard_queue_streams_open',
    help: 'Queue ticket event streams (GET /queue/:reference/events) open on this instance',
    registers: [this.registry],
  });

  readonly bookingBatchSize = new Histogram({
    name: 'seatguard_booking_batch_size',
    help: 'Bookings per group-commit batch that reached MySQL (one transaction each), by strategy',
    labelNames: ['strategy'] as const,
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
    registers: [this.registry],
  });

  // Webhooks (src/webhooks/): deliveries by outcome, tries that failed and will be retried, dead letters, outbox lag.
  readonly webhookDeliveries = new Counter({
    name: 'seatguard_webhook_deliveries_total',
    help: 'Webhook delivery tries by outcome (delivered, failed: retried later, dead: out of tries)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly webhookRetries = new Counter({
    name: 'seatguard_webhook_retries_total',
    help: 'Webhook delivery tries that were a retry of an earlier failed try',
    registers: [this.registry],
  });

  readonly webhookDeadLetters = new Counter({
    name: 'seatguard_webhook_dead_letters_total',
    help: 'Webhook deliveries that ran out of tries (dead letters; replayable through the admin route)',
    registers: [this.registry],
  });

  readonly webhookOutboxLagSeconds = new Gauge({
    name: 'seatguard_webhook_outbox_lag_seconds',
    help: 'Age of the oldest outbox row not yet fanned out, or of the oldest due pending delivery (0 when none), at the last worker pass',
    registers: [this.registry],
  });

  readonly webhookDeliverySeconds = new Histogram({
    name: 'seatguard_webhook_delivery_duration_seconds',
    help: 'Time from a change committing to its webhook being delivered (successful deliveries)',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
    registers: [this.registry],
  });

  constructor() {
    // No prefix: the standard process_* and nodejs_* names that stock Node.js dashboards and alerts query.
    collectDefaultMetrics({ register: this.registry });
  }
}
