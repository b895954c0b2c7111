import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { map, Observable } from 'rxjs';
import { soldOutBody } from '../../platform/http/error-body';
import { requestIdOf } from '../../platform/logging/request-id';
import type { BookingOutcome } from './booking-outcome';
import { BookingResponse } from './dto/booking.response';

/** Just the part of a response object this needs; Express and Fastify both have it. */
interface StatusSettable {
  status(code: number): unknown;
}

/**
 * HTTP for a BookingOutcome: booked is the route's 201 with the booking;
 * sold out is a 409 SOLD_OUT body, answered as a value rather than thrown,
 * because in a flash sale most answers are this one.
 */
@Injectable()
export class BookingOutcomeInterceptor implements NestInterceptor<BookingOutcome, unknown> {
  intercept(context: ExecutionContext, next: CallHandler<BookingOutcome>): Observable<unknown> {
    return next.handle().pipe(
      map((outcome) => {
        if (outcome.kind === 'booked') return BookingResponse.from(outcome.booking, outcome.secret);
        const http = context.switchToHttp();
        http.getResponse<StatusSettable>().status(409);
        return { ...soldOutBody(outcome.available, outcome.requested), requestId: requestIdOf(http.getRequest()) };
      }),
    );
  }
}
