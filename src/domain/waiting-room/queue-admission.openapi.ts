import { ApiHeader } from '@nestjs/swagger';

/** The 409s the waiting room adds to booking and holding. */
export const QUEUE_CONFLICTS =
  'QUEUE_REQUIRED (the event has a waiting room: `queue` says where to join), ADMISSION_INVALID (`reason`: invalid, expired or used)';

/** The admission header on POST /events/{id}/bookings and /holds. */
export const ApiQueueAdmissionHeader = () =>
  ApiHeader({
    name: 'Queue-Admission',
    required: false,
    description:
      "Events with a waiting room (queue.mode fifo or lottery) only: the admission from GET /queue/{reference}, for this customer's " +
      'e-mail; one booking or hold per admission (a retry with the same Idempotency-Key replays)',
  });
