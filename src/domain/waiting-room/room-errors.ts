import { DomainError } from '../../shared/errors/domain-errors';

/** A booking or hold on an event with a waiting room, without an admission: where to queue. */
export class QueueRequiredError extends DomainError {
  readonly code = 'QUEUE_REQUIRED';
  readonly status = 409;
  readonly details: { queue: string; page: string };
  constructor(eventId: number) {
    super('this event has a waiting room: join the queue, then book with the admission it gives (Queue-Admission header)');
    this.details = { queue: `/api/v1/events/${eventId}/queue`, page: `/api/v1/waiting-room?event=${eventId}` };
  }
}

/** The admission presented cannot be used: forged, for another customer or event, expired, or used already. */
export class AdmissionRefusedError extends DomainError {
  readonly code = 'ADMISSION_INVALID';
  readonly status = 409;
  readonly details: { reason: 'invalid' | 'expired' | 'used' };
  constructor(reason: 'invalid' | 'expired' | 'used') {
    super(
      reason === 'invalid'
        ? 'this admission is not valid for this event and customer'
        : reason === 'expired'
          ? 'this admission expired unused; join the queue again'
          : 'this admission was used already (one booking or hold per admission)',
    );
    this.details = { reason };
  }
}

export class QueueOffError extends DomainError {
  readonly code = 'QUEUE_OFF';
  readonly status = 409;
  constructor(eventId: number) {
    super(`event ${eventId} has no waiting room: book directly`);
  }
}

/** One live ticket per customer and event. */
export class AlreadyQueuedError extends DomainError {
  readonly code = 'ALREADY_QUEUED';
  readonly status = 409;
  readonly details: { reference: string };
  constructor(reference: string) {
    super('this customer already has a live ticket for this event (its secret was shown once, when it was issued)');
    this.details = { reference };
  }
}

/** Also for a wrong or missing secret: whether a reference exists is not told. */
export class QueueTicketNotFoundError extends DomainError {
  readonly code = 'QUEUE_TICKET_NOT_FOUND';
  readonly status = 404;
  constructor() {
    super('no queue ticket with this reference is visible with these credentials');
  }
}
