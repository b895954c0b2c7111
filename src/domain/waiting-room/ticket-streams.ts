import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Observable, Subscriber } from 'rxjs';
import { waitingRoomConfig, WaitingRoomConfig } from '../../platform/config/configuration';
import { RepeatingTask } from '../../platform/concurrency/repeating-task';
import { SeatguardMetrics } from '../../platform/metrics/seatguard-metrics';
import { placeNow, revisitAfterMs } from './revisit-cadence';
import type { TicketStatus } from './ticket-status';
import { TicketReading, WaitingRoomService } from './waiting-room.service';

/** What a ticket's stream carries: its status, or a comment that keeps idle proxies from cutting it. */
export type TicketStreamItem = { status: TicketStatus } | { keepAlive: true };

/** How often the instance looks for streams due a read (their pace itself is revisit-cadence.ts's). */
const SWEEP_MS = 250;
/** Reads of due streams in flight at once per instance: the opening re-reads a whole pre-queue. */
const READS_IN_FLIGHT = 16;
/**
 * Reads per sweep at most (400 a second per instance), the most urgent first (see urgency): when more are due
 * (thousands of streams far back, an opening), the rest wait for the next sweeps. Read as fast as they fall
 * due, they would take the whole instance, and the pushes (a room's close) and bookings would queue behind them.
 */
const READS_PER_SWEEP = 100;
/** The heartbeat's passes are at most this far apart (each writes to the streams idle for about a period). */
const HEARTBEAT_PASS_MS = 1000;
/** A ticket open in more tabs than this on one instance: its oldest stream is ended (it falls back to polling). */
const STREAMS_PER_TICKET = 3;

/** The room as this instance's last admission step saw it (RoomTicker). */
export interface RoomSighting {
  /** Sold out, or the sale over or cancelled: nothing left to admit anyone to. */
  closed: boolean;
  /** Admissions the room has made so far. */
  admittedTotal: number;
  /** The pre-queue has been opened (a lottery's places drawn). */
  opened: boolean;
}

interface OpenStream {
  readonly reference: string;
  readonly eventId: number;
  readonly secret: string;
  readonly subscriber: Subscriber<TicketStreamItem>;
  /** The last status sent, as JSON: an unchanged read sends nothing. */
  sent: string;
  last: TicketStatus;
  place: number | null;
  admittedAtRead: number | null;
  openedAtRead: boolean;
  readAt: number;
  /** When anything (a status, a comment) was last written to it. */
  wroteAt: number;
  /** Read now, whatever its pace (the room opened, or it may have been admitted). */
  due: boolean;
  reading: boolean;
  ended: boolean;
}

/**
 * Every ticket stream open on this instance (GET /queue/:reference/events), by
 * event. No timer per stream: one sweep re-reads the streams whose pace
 * (revisit-cadence.ts) says they are due (READS_PER_SWEEP at most, READS_IN_FLIGHT
 * at once), and one heartbeat writes a comment to those idle for a heartbeat
 * period, a slice of them at a time (see keepAlive).
 *
 * The room's close is pushed, not read: the RoomTicker of every instance runs
 * each active room's admission step every WAITING_ROOM_TICK_MS (under half a
 * second) and tells this registry what it saw. A closed room ends every
 * waiting stream of it at once with sold_out, without one Redis read per
 * stream. That step already reads the room on every instance, so Redis pub/sub
 * would add a subscriber connection per instance (and sharded channels on a
 * cluster) to say what the next tick says anyway within the second.
 * The same sighting carries the room's admission count, which tells each
 * stream its place without reading it (placeNow): a stream is read at once
 * when admissions reach it, so buyers far back are read rarely yet learn their
 * admission within a sweep of the step that made it.
 */
@Injectable()
export class TicketStreams implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(TicketStreams.name);
  private readonly byEvent = new Map<number, Set<OpenStream>>();
  /** The streams of each ticket on this instance, oldest first (STREAMS_PER_TICKET), without scanning its event's. */
  private readonly byReference = new Map<string, OpenStream[]>();
  private readonly rooms = new Map<number, RoomSighting>();
  private readonly sweeper = new RepeatingTask(
    () => this.sweep(),
    SWEEP_MS,
    (error) => this.logger.warn({ err: error }, 'ticket stream sweep failed'),
  );
  private readonly heartbeat: RepeatingTask;
  private stopping = false;
  private open = 0;
  private readonly heartbeatMs: number;
  /** How far apart the heartbeat's passes are: each writes to the streams idle for about a period. */
  private readonly heartbeatPassMs: number;

  constructor(
    private readonly room: WaitingRoomService,
    private readonly metrics: SeatguardMetrics,
    @Inject(waitingRoomConfig.KEY) config: WaitingRoomConfig,
  ) {
    this.heartbeatMs = config.streamHeartbeatMs;
    this.heartbeatPassMs = Math.min(HEARTBEAT_PASS_MS, Math.ceil(config.streamHeartbeatMs / 2));
    this.heartbeat = new RepeatingTask(
      () => Promise.resolve(this.keepAlive()),
      this.heartbeatPassMs,
      () => undefined,
    );
  }

  onModuleInit(): void {
    this.sweeper.start();
    this.heartbeat.start();
  }

  /** Shutdown: every stream ends now (its client reads on elsewhere), so closing the server waits for none of them. */
  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    await Promise.all([this.sweeper.stop(), this.heartbeat.stop()]);
    for (const streams of this.byEvent.values()) for (const stream of streams) this.end(stream);
  }

  /**
   * Reads the ticket (a wrong secret or an unknown ticket: QueueTicketNotFoundError, Redis away: 503, both before
   * the stream starts), then streams it: this status first, then each change, ending after a final one. While
   * the instance shuts down, the stream ends after its first status (its client polls, or follows elsewhere).
   */
  async follow(reference: string, secret: string | undefined): Promise<Observable<TicketStreamItem>> {
    const first = await this.room.read(reference, secret);
    return new Observable<TicketStreamItem>((subscriber) => {
      subscriber.next({ status: first.answer });
      if (isFinal(first.answer) || this.stopping) {
        subscriber.complete();
        return;
      }
      const stream: OpenStream = {
        reference,
        eventId: first.answer.eventId,
        secret: secret!,
        subscriber,
        sent: JSON.stringify(first.answer),
        last: first.answer,
        place: first.place,
        admittedAtRead: first.admittedTotal,
        openedAtRead: first.opened,
        readAt: Date.now(),
        // Streams opened together (a pre-queue's pages) do not stay in step: the first comment comes anywhere
        // in the first period.
        wroteAt: Date.now() - Math.random() * this.heartbeatMs,
        due: false,
        reading: false,
        ended: false,
      };
      this.add(stream);
      return () => this.remove(stream);
    });
  }

  /**
   * What the admission step just saw of a room (every WAITING_ROOM_TICK_MS on every instance). Closed: each
   * waiting stream of it is told sold_out at once, unread (an admitted one is read: it may have used its admission).
   */
  sighted(eventId: number, room: RoomSighting): void {
    this.rooms.set(eventId, room);
    const streams = this.byEvent.get(eventId);
    if (!streams || !room.closed) return;
    const started = performance.now();
    const told: OpenStream[] = [];
    for (const stream of streams) {
      if (stream.last.status !== 'waiting') {
        stream.due = true;
        continue;
      }
      this.send(stream, this.room.soldOutNotice(stream.reference, eventId, stream.place), { end: false });
      told.push(stream);
    }
    // Every notice is written before any stream is ended: thousands of endings (each a socket to close, here and
    // at the proxy) would otherwise delay the notices of the streams after them.
    const toldMs = performance.now() - started;
    if (told.length > 0) this.metrics.queueSoldOutPushSeconds.observe(toldMs / 1000);
    for (const stream of told) this.end(stream);
    if (told.length > 0)
      this.logger.log(
        { eventId, streams: told.length, toldMs: Math.round(toldMs), endedMs: Math.round(performance.now() - started - toldMs) },
        'room closed: sold_out pushed to its waiting streams',
      );
  }

  /** The room's keys are gone (or it is no longer walked): nothing more to learn from its sightings. */
  forget(eventId: number): void {
    this.rooms.delete(eventId);
  }

  private add(stream: OpenStream): void {
    const same = this.byReference.get(stream.reference) ?? [];
    if (same.length >= STREAMS_PER_TICKET) this.end(same[0]);
    this.byReference.set(stream.reference, [...(this.byReference.get(stream.reference) ?? []), stream]);
    let streams = this.byEvent.get(stream.eventId);
    if (!streams) this.byEvent.set(stream.eventId, (streams = new Set()));
    streams.add(stream);
    this.metrics.queueStreamsOpen.set(++this.open);
  }

  private remove(stream: OpenStream): void {
    stream.ended = true;
    const streams = this.byEvent.get(stream.eventId);
    if (!streams?.delete(stream)) return;
    if (streams.size === 0) this.byEvent.delete(stream.eventId);
    const same = this.byReference.get(stream.reference)!.filter((s) => s !== stream);
    if (same.length === 0) this.byReference.delete(stream.reference);
    else this.byReference.set(stream.reference, same);
    this.metrics.queueStreamsOpen.set(--this.open);
  }

  private end(stream: OpenStream): void {
    if (stream.ended) return;
    this.remove(stream);
    stream.subscriber.complete();
  }

  /** Sends a status if it changed; a final one ends the stream (unless the caller ends it later). */
  private send(stream: OpenStream, status: TicketStatus, { end } = { end: true }): void {
    if (stream.ended) return;
    const json = JSON.stringify(status);
    if (json !== stream.sent) {
      stream.sent = json;
      stream.last = status;
      stream.subscriber.next({ status });
      stream.wroteAt = Date.now();
    }
    if (end && isFinal(status)) this.end(stream);
  }

  /** Its place now as far as this instance can tell without reading it (placeNow), or null. */
  private placeOf(stream: OpenStream): number | null {
    const room = this.rooms.get(stream.eventId);
    if (stream.place === null || stream.admittedAtRead === null || !room) return stream.place;
    return placeNow(stream.place, stream.admittedAtRead, room.admittedTotal);
  }

  /**
   * How urgently a stream wants a read, or null if not yet: first those admissions have reached (or marked
   * due), then the whole room at its opening (a lottery draws places), front first, then those past their pace,
   * the most overdue first. Under load every stream's pace slips alike, and nobody's admission waits.
   */
  private urgency(stream: OpenStream, place: number | null, now: number): number | null {
    if (stream.due || (place !== null && place <= 0)) return 2e9 - (place ?? 0);
    if (this.rooms.get(stream.eventId)?.opened && !stream.openedAtRead) return 1e9 - (place ?? 0);
    const overdue = (now - stream.readAt) / revisitAfterMs({ place, waitSeconds: stream.last.estimatedWaitSeconds });
    return overdue >= 1 ? overdue : null;
  }

  private async sweep(): Promise<void> {
    const now = Date.now();
    const due: { stream: OpenStream; urgency: number }[] = [];
    for (const streams of this.byEvent.values())
      for (const stream of streams) {
        const urgency = stream.reading ? null : this.urgency(stream, this.placeOf(stream), now);
        if (urgency !== null) due.push({ stream, urgency });
      }
    due.sort((a, b) => b.urgency - a.urgency);
    due.length = Math.min(due.length, READS_PER_SWEEP);
    let next = 0;
    const worker = async () => {
      while (next < due.length && !this.stopping) await this.reread(due[next++].stream);
    };
    await Promise.all(Array.from({ length: Math.min(READS_IN_FLIGHT, due.length) }, worker));
  }

  private async reread(stream: OpenStream): Promise<void> {
    if (stream.ended) return;
    stream.reading = true;
    stream.due = false;
    let reading: TicketReading;
    try {
      reading = await this.room.read(stream.reference, stream.secret);
    } catch (error) {
      // Redis or MySQL away: the stream says so and ends; its client falls back to polling (503 with Retry-After).
      if (!stream.ended) {
        this.remove(stream);
        stream.subscriber.error(error);
      }
      return;
    } finally {
      stream.reading = false;
    }
    stream.readAt = Date.now();
    stream.place = reading.place;
    stream.admittedAtRead = reading.admittedTotal;
    stream.openedAtRead = reading.opened;
    this.send(stream, reading.answer);
  }

  /**
   * A comment to each stream nothing was written to for a heartbeat period. Passes run several times a period
   * (HEARTBEAT_PASS_MS at most apart), so each writes a slice of the streams: one pass writing to all of
   * them at once held this instance's event loop for as long as thousands of writes take, whatever else was due.
   */
  private keepAlive(): void {
    const now = Date.now();
    const idleSince = now - this.heartbeatMs + this.heartbeatPassMs;
    for (const streams of this.byEvent.values())
      for (const stream of streams) {
        if (stream.wroteAt > idleSince) continue;
        stream.wroteAt = now;
        stream.subscriber.next({ keepAlive: true });
      }
  }
}

/** Nothing more will change for this ticket's stream: sold out (polling notices a reopening), expired, or its admission used. */
export function isFinal(status: TicketStatus): boolean {
  return status.status === 'sold_out' || status.status === 'expired' || (status.status === 'admitted' && !status.admission!.usable);
}
