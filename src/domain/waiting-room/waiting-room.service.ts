import { Inject, Injectable } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import { waitingRoomConfig, WaitingRoomConfig } from '../../platform/config/configuration';
import { newReference, secretMatches, sha256Hex } from '../../shared/credentials';
import { EventCancelledError } from '../../shared/errors/domain-errors';
import { asDependencyFailure } from '../../shared/errors/driver-errors';
import type { Event } from '../events/event.model';
import { EventsService } from '../events/events.service';
import { SeatguardMetrics } from '../../platform/metrics/seatguard-metrics';
import { AdmissionSigner } from './admission-token';
import { AlreadyQueuedError, QueueOffError, QueueTicketNotFoundError } from './room-errors';
import { RoomStore } from './room-store';
import type { TicketView } from './room-ticket';
import type { NewTicket, TicketStatus } from './ticket-status';
import { FRONT_REVISIT_MS, revisitAfterMs } from './revisit-cadence';

/** `q_<eventId>_<22 random base64url chars>`: the event id finds the room's keys; the rest is unguessable. */
const REFERENCE_FORMAT = /^q_([1-9]\d{0,9})_[A-Za-z0-9_-]{22}$/;
/** A used admission or an expired ticket changes rarely (waiting tickets: revisit-cadence.ts). */
const POLL_SETTLED_MS = 5000;

/** A ticket read for its owner, with what a stream needs to pace its next read (revisit-cadence.ts). */
export interface TicketReading {
  answer: TicketStatus;
  /** Its place in line (also before a lottery's draw, unlike answer.position); null when not waiting. */
  place: number | null;
  /** The room's admission count, read with the place; null when the room has no record of the ticket. */
  admittedTotal: number | null;
  /** The room's pre-queue was open (its places final) when this was read. */
  opened: boolean;
}

/** Joining the room and reading a ticket. Admission itself is the RoomTicker's; using one, the booking edge's. */
@Injectable()
export class WaitingRoomService {
  readonly signer: AdmissionSigner;

  constructor(
    private readonly events: EventsService,
    private readonly store: RoomStore,
    private readonly metrics: SeatguardMetrics,
    @Inject(waitingRoomConfig.KEY) private readonly config: WaitingRoomConfig,
  ) {
    this.signer = new AdmissionSigner(config.signingKey);
    this.secretKey = `queue-ticket-secret:${config.signingKey}`;
  }

  private readonly secretKey: string;

  async join(eventId: number, customerEmail: string): Promise<NewTicket> {
    const event = await this.events.findForBooking(eventId);
    if (event.queueMode === 'off') throw new QueueOffError(eventId);
    if (event.cancelledAt) throw new EventCancelledError(eventId);
    const reference = newReference(`q_${eventId}_`);
    const secret = this.secretOf(reference);
    const joined = await this.redis(() => this.store.join(eventId, reference, sha256Hex(secret), customerEmail, Date.now()));
    if (!joined.joined) throw new AlreadyQueuedError(joined.existing);
    this.metrics.queueJoins.inc();
    const view = await this.redis(() => this.store.read(eventId, reference));
    const status = this.respond(event, reference, view!);
    return { ...status, secret };
  }

  /** The ticket as its owner sees it; anyone else (or a wrong secret) gets the same 404 as for no ticket. */
  async status(reference: string, secret: string | undefined): Promise<TicketStatus> {
    return (await this.read(reference, secret)).answer;
  }

  /** status(), with the ticket's place and the room's admission count (for a stream's pace). */
  async read(reference: string, secret: string | undefined): Promise<TicketReading> {
    const match = REFERENCE_FORMAT.exec(reference);
    if (!match) throw new QueueTicketNotFoundError();
    const eventId = Number(match[1]);
    const view = await this.redis(() => this.store.read(eventId, reference));
    if (!view) {
      // Not in Redis, yet the secret proves this room issued it: the room's keys expired (a grace period after
      // it closed) or a Redis restart without persistence lost them. Its place is gone: a definite answer.
      if (!secretMatches(secret, sha256Hex(this.secretOf(reference)))) throw new QueueTicketNotFoundError();
      return { answer: this.lost(await this.events.findForBooking(eventId), reference), place: null, admittedTotal: null, opened: true };
    }
    if (!secretMatches(secret, view.ticket.h)) throw new QueueTicketNotFoundError();
    const event = await this.events.findForBooking(eventId);
    const answer = this.respond(event, reference, view);
    if (answer.status === 'sold_out') this.metrics.queueSoldOutNotices.inc();
    return { answer, place: view.position, admittedTotal: view.admittedTotal, opened: view.opened };
  }

  /**
   * What a waiting ticket reads once its room has closed (no stock, the sale over or cancelled), told without
   * reading it: the room's close is pushed to every stream of it at once (TicketStreams).
   */
  soldOutNotice(reference: string, eventId: number, place: number | null): TicketStatus {
    this.metrics.queueSoldOutNotices.inc();
    return this.soldOut({ reference, eventId, opensAt: null }, place);
  }

  /** Sold out: read again slowly (by the place it had), in case returned seats reopen the room. */
  private soldOut(base: Pick<TicketStatus, 'reference' | 'eventId' | 'opensAt'>, place: number | null): TicketStatus {
    const pollAfterMs = revisitAfterMs({ place, waitSeconds: null });
    return { ...base, status: 'sold_out', position: null, estimatedWaitSeconds: null, pollAfterMs };
  }

  /**
   * The secret of a ticket: derived from its reference with the room's key, so that a ticket the room lost
   * can still be told from a forged one (and its holder told what happened).
   */
  private secretOf(reference: string): string {
    return createHmac('sha256', this.secretKey).update(reference).digest('base64url');
  }

  /** A ticket the room no longer has: sold out if the sale is over, else expired (join again, at the back). */
  private lost(event: Event, reference: string): TicketStatus {
    const over = event.cancelledAt !== null || (event.salesEndAt !== null && Date.now() >= event.salesEndAt.getTime());
    return {
      reference,
      eventId: event.id,
      opensAt: null,
      status: over ? 'sold_out' : 'expired',
      position: null,
      estimatedWaitSeconds: null,
      pollAfterMs: POLL_SETTLED_MS,
    };
  }

  private respond(event: Event, reference: string, view: TicketView): TicketStatus {
    const now = Date.now();
    const { ticket } = view;
    const base = { reference, eventId: event.id, opensAt: null as Date | null };
    const closed = view.soldOut || event.cancelledAt !== null || (event.salesEndAt !== null && now >= event.salesEndAt.getTime());
    if (ticket.s === 'waiting') {
      if (closed) return this.soldOut(base, view.position);
      const rate = Math.max(1, Math.min(this.config.admitRatePerSecond, view.measuredRate ?? this.config.admitRatePerSecond));
      const untilOpening = !view.opened && event.salesStartAt ? Math.max(0, event.salesStartAt.getTime() - now) / 1000 : 0;
      const drawPending = !view.opened && event.queueMode === 'lottery';
      const position = drawPending ? null : view.position;
      const estimatedWaitSeconds = Math.ceil(untilOpening + (view.position ?? 0) / rate);
      return {
        ...base,
        status: 'waiting',
        position,
        estimatedWaitSeconds,
        opensAt: view.opened ? null : event.salesStartAt,
        // Far back, a read each second only costs the back end. Before a lottery's draw, paced by join order: the
        // draw may bring a late joiner to the front, who then reads its admission up to 10 s late (of the TTL's minutes).
        pollAfterMs: revisitAfterMs({ place: view.position, waitSeconds: estimatedWaitSeconds }),
      };
    }
    if (ticket.s === 'expired')
      return { ...base, status: 'expired', position: null, estimatedWaitSeconds: null, pollAfterMs: POLL_SETTLED_MS };
    // admitted, in use or served: the admission, usable only while admitted and unexpired.
    const validUntil = Number(ticket.u);
    const token = this.signer.sign({ eventId: event.id, reference, nonce: ticket.n!, validUntil }, ticket.c);
    const usable = ticket.s === 'admitted' && validUntil > now;
    if (closed && usable) return this.soldOut(base, null);
    return {
      ...base,
      status: 'admitted',
      position: null,
      estimatedWaitSeconds: null,
      pollAfterMs: usable ? FRONT_REVISIT_MS : POLL_SETTLED_MS,
      admission: { token, expiresAt: new Date(validUntil), usable },
    };
  }

  /** A Redis failure is a 503 (REDIS_UNAVAILABLE), never a 500. */
  private async redis<T>(step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (error) {
      throw asDependencyFailure(error) ?? error;
    }
  }
}
