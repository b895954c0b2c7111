import { Body, Controller, Delete, Get, Param, Post, Res, UseGuards } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { ErrorResponse } from '../common/http/error.response';
import { ParseIdPipe } from '../common/http/parse-id.pipe';
import { BookingsService } from './bookings.service';
import { BookingResponse } from './dto/booking.response';
import { CreateBookingDto } from './dto/create-booking.dto';
import { IdempotencyKey } from './idempotency-key.decorator';

@ApiTags('bookings')
@ApiBadRequestResponse({ description: 'Invalid input; nothing was written', type: ErrorResponse })
@Controller()
export class BookingsController {
  constructor(private readonly bookings: BookingsService) {}

  @Post('events/:id/bookings')
  @UseGuards(ThrottlerGuard)
  @ApiOperation({
    summary: 'Book seats',
    description:
      'Answers with the seats booked (201) or SOLD_OUT (409). Contention never produces a "busy" answer: ' +
      'the request waits its turn within its deadline. 503 (with Retry-After) only when Redis or MySQL is ' +
      'down or the deadline passed; nothing is booked then.',
  })
  @ApiParam({ name: 'id', type: Number, example: 1, description: 'Event id' })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Replays with the same key get the same answer and book once; the same key with another body is refused (422)',
    example: 'order-7f3a9c',
  })
  @ApiCreatedResponse({ type: BookingResponse })
  @ApiConflictResponse({ type: ErrorResponse, description: 'SOLD_OUT (with `available`), or CUSTOMER_LIMIT_REACHED' })
  @ApiNotFoundResponse({ type: ErrorResponse, description: 'No such event' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponse, description: 'IDEMPOTENCY_KEY_REUSED' })
  @ApiTooManyRequestsResponse({
    type: ErrorResponse,
    description: 'RATE_LIMITED: more than BOOKING_RATE_LIMIT requests from this client in BOOKING_RATE_WINDOW_MS (with Retry-After)',
  })
  @ApiServiceUnavailableResponse({ type: ErrorResponse, description: 'A dependency is down or the deadline passed' })
  async create(
    @Param('id', new ParseIdPipe()) eventId: number,
    @Body() body: CreateBookingDto,
    @IdempotencyKey() idempotencyKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<unknown> {
    const answer = await this.bookings.create(eventId, body, idempotencyKey);
    res.status(answer.status);
    return answer.body;
  }

  @Get('bookings/:id')
  @ApiOperation({ summary: 'One booking' })
  @ApiParam({ name: 'id', type: Number, example: 17 })
  @ApiOkResponse({ type: BookingResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  get(@Param('id', new ParseIdPipe()) id: number): Promise<BookingResponse> {
    return this.bookings.get(id);
  }

  @Delete('bookings/:id')
  @ApiOperation({ summary: 'Cancel a booking; its seats go back on sale' })
  @ApiParam({ name: 'id', type: Number, example: 17 })
  @ApiOkResponse({ type: BookingResponse, description: 'The booking, status cancelled (also if it already was)' })
  @ApiNotFoundResponse({ type: ErrorResponse })
  cancel(@Param('id', new ParseIdPipe()) id: number): Promise<BookingResponse> {
    return this.bookings.cancel(id);
  }
}
