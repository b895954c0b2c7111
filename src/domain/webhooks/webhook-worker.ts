import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { webhookConfig, WebhookConfig } from '../../platform/config/configuration';
import { SeatguardMetrics } from '../../platform/metrics/seatguard-metrics';
import { Stream, StreamHead, WebhookDeliveries } from './persistence/webhook-deliveries.repository';
import { retryDelayMs } from './webhook-backoff';
import { webhookBody } from './webhook-body';
import { WebhookSender } from './webhook-sender';

/** Outbox rows fanned out per pass. */
const FAN_OUT_BATCH = 500;
/** Deliveries one claimed stream sends before its lease is given back (others get their turn). */
const DELIVERIES_PER_CLAIM = 100;
/** How often the lag gauge is read and old rows are purged. */
const HOUSEKEEPING_EVERY_MS = 10_000;

/**
 * The delivery worker, on every instance (WEBHOOK_WORKER_ENABLED). A pass:
 * fan new outbox rows out into deliveries; lease streams (one endpoint, one
 * event) that have a due delivery; send each stream's deliveries one after the
 * other, oldest first, each signed; a failed try puts the stream's head back
 * with a backoff, and the rest of that stream waits behind it (order per
 * event), until it is delivered or becomes a dead letter after
 * WEBHOOK_MAX_ATTEMPTS tries. A lease that runs out (the instance died
 * mid-delivery) frees the stream for another instance, which sends the head
 * again: at least once, the receiver drops the duplicate by its id.
 *
 * Nothing here runs on a request: the booking path only writes its outbox row.
 */
@Injectable()
export class WebhookWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Webhooks');
  /** Names this instance's leases; a restarted process is a new owner. */
  private readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly leaseMs: number;
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<void> | undefined;
  private stopped = false;
  private lastHousekeeping = 0;

  constructor(
    private readonly deliveries: WebhookDeliveries,
    private readonly sender: WebhookSender,
    private readonly metrics: SeatguardMetrics,
    @Inject(webhookConfig.KEY) private readonly config: WebhookConfig,
  ) {
    // Longer than one send (its timeout) plus the MySQL round trips around it; renewed after every delivery.
    this.leaseMs = config.timeoutMs * 2 + 5_000;
  }

  onApplicationBootstrap(): void {
    if (this.config.workerEnabled) this.schedule(0);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    // A send in flight ends within its timeout; its stream's lease lapses if we do not get to release it.
    await this.current;
  }

  /** One pass now (tests, and the admin replay to save a poll interval); resolves when it is done. */
  async runOnce(): Promise<boolean> {
    return this.pass();
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.current = this.tick();
    }, delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    let busy = false;
    try {
      busy = await this.pass();
    } catch (error) {
      // MySQL away or slow: nothing is lost (the rows stay), the next pass tries again.
      this.logger.warn({ err: error }, 'webhook worker pass failed; retrying after the poll interval');
    } finally {
      this.schedule(busy ? 0 : this.config.pollIntervalMs);
    }
  }

  private async pass(): Promise<boolean> {
    const fannedOut = await this.deliveries.fanOut(FAN_OUT_BATCH);
    const streams = this.stopped ? [] : await this.deliveries.claimStreams(this.owner, this.leaseMs, this.config.concurrency);
    await Promise.all(streams.map((stream) => this.drain(stream)));
    await this.housekeeping();
    return fannedOut > 0 || streams.length > 0;
  }

  private async drain(stream: Stream): Promise<void> {
    try {
      for (let sent = 0; sent < DELIVERIES_PER_CLAIM && !this.stopped; sent++) {
        const head = await this.deliveries.headOf(stream);
        // Not due: the head waits for its retry and everything after it waits too. Disabled: held until enabled.
        if (!head || !head.due || !head.enabled) return;
        // A failed try waits for its retry and holds the stream; a dead letter no longer does.
        if ((await this.deliver(head)) === 'retry') return;
        if (!(await this.deliveries.renewLease(stream, this.owner, this.leaseMs))) return;
      }
    } catch (error) {
      this.logger.warn({ err: error, endpointId: stream.endpointId, eventId: stream.eventId }, 'webhook stream interrupted');
    } finally {
      await this.deliveries.releaseLease(stream, this.owner).catch(() => undefined);
    }
  }

  /** Sends the head once. */
  private async deliver(head: StreamHead): Promise<'delivered' | 'retry' | 'dead'> {
    if (head.attempts > 0) this.metrics.webhookRetries.inc();
    const result = await this.sender.send({
      url: head.url,
      secret: head.secret,
      webhookId: head.webhookId,
      type: head.type,
      body: webhookBody(head.webhookId, head.type, head.occurredAt, head.payload),
      timeoutMs: this.config.timeoutMs,
    });
    if (result.ok) {
      await this.deliveries.markDelivered(head.id, result.statusCode);
      this.metrics.webhookDeliveries.inc({ outcome: 'delivered' });
      this.metrics.webhookDeliverySeconds.observe(head.ageSeconds);
      return 'delivered';
    }
    const tries = head.attempts + 1;
    const dead = tries >= this.config.maxAttempts;
    await this.deliveries.markFailed(
      head.id,
      result,
      dead ? 0 : retryDelayMs(tries, this.config.backoffBaseMs, this.config.backoffMaxMs),
      dead,
    );
    this.metrics.webhookDeliveries.inc({ outcome: dead ? 'dead' : 'failed' });
    if (dead) {
      this.metrics.webhookDeadLetters.inc();
      this.logger.warn({ deliveryId: head.id, webhookId: head.webhookId, tries, error: result.error }, 'webhook delivery is a dead letter');
    }
    return dead ? 'dead' : 'retry';
  }

  private async housekeeping(): Promise<void> {
    if (Date.now() - this.lastHousekeeping < HOUSEKEEPING_EVERY_MS) return;
    this.lastHousekeeping = Date.now();
    this.metrics.webhookOutboxLagSeconds.set(await this.deliveries.lagSeconds());
    await this.deliveries.purge(this.config.retentionMs);
  }
}
