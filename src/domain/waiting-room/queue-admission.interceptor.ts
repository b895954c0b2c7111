import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import { catchError, from, mergeMap, Observable, throwError } from 'rxjs';
import { sha256Hex } from '../../shared/credentials';
import { DomainError } from '../../shared/errors/domain-errors';
import { asDependencyFailure } from '../../shared/errors/driver-errors';
import { EventsService } from '../events/events.service';
import type { Admission } from './admission-token';
import { AdmissionRefusedError, QueueRequiredError } from './room-errors';
import { RoomStore } from './room-store';
import { WaitingRoomService } from './waiting-room.service';

/** The header a booking or hold carries its admission in. */
export const ADMISSION_HEADER = 'queue-admission';

interface BookingRequest {
  params: { id?: string };
  headers: IncomingHttpHeaders;
  body?: { customerEmail?: unknown; quantity?: unknown };
}

/** Statuses after which the admission counts as used: a seat decision was made (booked, sold out, a definite refusal). */
const SERVED_STATUSES = new Set([200, 201, 409, 410]);

/**
 * The booking edge's one step for the waiting room, on POST /events/:id/bookings
 * and /holds, before the booking service: events without a room pass untouched;
 * with one, the request must carry a genuine admission for this event and this
 * customer, which it takes (single use) in Redis before booking, and which is
 * spent once the booking answered with a seat decision, or given back (still
 * valid) when nothing happened (a 503, bad input) so the buyer can retry.
 */
@Injectable()
export class QueueAdmissionInterceptor implements NestInterceptor {
  constructor(
    private readonly events: EventsService,
    private readonly room: WaitingRoomService,
    private readonly store: RoomStore,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<BookingRequest>();
    return from(this.admit(request)).pipe(
      mergeMap((taken) => {
        if (!taken) return next.handle();
        // Settled before the buyer hears back, so the room's state matches the answer. Best effort: a claim
        // left in use (Redis gone now) counts against the stock until the room drops it a minute later.
        const settle = (outcome: 'served' | 'returned') =>
          this.store.settle(taken.eventId, taken.reference, taken.nonce, outcome, Date.now()).catch(() => undefined);
        return next.handle().pipe(
          mergeMap(async (answer: unknown) => {
            await settle('served');
            return answer;
          }),
          catchError((error: unknown) => {
            const status = error instanceof DomainError ? error.status : (error as { status?: number }).status;
            return from(settle(typeof status === 'number' && SERVED_STATUSES.has(status) ? 'served' : 'returned')).pipe(
              mergeMap(() => throwError(() => error)),
            );
          }),
        );
      }),
    );
  }

  /** The admission this request took, null when the event has no room (or the request is malformed: the pipes answer it). */
  private async admit(request: BookingRequest): Promise<Admission | null> {
    const eventId = Number(request.params.id);
    if (!/^[1-9]\d{0,9}$/.test(request.params.id ?? '')) return null;
    const event = await this.events.findForBooking(eventId).catch(() => null);
    if (!event || event.queueMode === 'off') return null;
    const token = request.headers[ADMISSION_HEADER];
    if (typeof token !== 'string' || token === '') throw new QueueRequiredError(eventId);
    const customer = typeof request.body?.customerEmail === 'string' ? request.body.customerEmail : '';
    const admission = this.room.signer.verify(token, customer);
    if (!admission || admission.eventId !== eventId) throw new AdmissionRefusedError('invalid');
    const now = Date.now();
    if (admission.validUntil <= now) throw new AdmissionRefusedError('expired');
    // Unvalidated yet (the pipe runs later): only a whole number of seats counts, else one.
    const asked = request.body?.quantity;
    const quantity = typeof asked === 'number' && Number.isInteger(asked) && asked > 0 ? Math.min(asked, 1000) : 1;
    const key = request.headers['idempotency-key'];
    const keyHash = typeof key === 'string' ? sha256Hex(key) : '';
    let claim;
    try {
      claim = await this.store.claim(eventId, { reference: admission.reference, nonce: admission.nonce, customer, now, keyHash, quantity });
    } catch (error) {
      throw asDependencyFailure(error) ?? error;
    }
    // 'replay': the request that took it, again (same Idempotency-Key), e.g. after a 503: the booking service
    // replays or finishes it, and its answer settles the admission if the first attempt could not.
    if (claim === 'taken' || claim === 'replay') return admission;
    // gone: a genuine admission whose ticket the room no longer has (lost with Redis): it cannot be told
    // whether it was used, so it is not honoured; the buyer joins again.
    throw new AdmissionRefusedError(claim === 'unknown' ? 'invalid' : claim === 'gone' ? 'expired' : claim);
  }
}
