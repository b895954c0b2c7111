/**
 * How fast the room admits: no faster than the back end answers the buyers it
 * already let in, with some headroom so the rate can grow while the back end
 * keeps up (a slow start, as TCP's), never above the configured ceiling and
 * never below a floor, so a cold room (nobody served yet) still admits.
 */
export interface AdmissionRateRule {
  /** WAITING_ROOM_ADMIT_RATE: admissions per second, at most. */
  ceiling: number;
  /** WAITING_ROOM_ADMIT_FLOOR: admissions per second, at least (a cold start, buyers who walk away). */
  floor: number;
  /** WAITING_ROOM_RATE_HEADROOM: admit up to this many times the rate buyers are being served. */
  headroom: number;
}

/** Seconds of served bookings and holds the measure covers (whole seconds before the current one). */
export const SERVED_WINDOW_SECONDS = 3;

/** Served answers per second over the window, from its per-second counts (missing seconds count 0). */
export function servedPerSecond(countsPerSecond: readonly number[]): number {
  const total = countsPerSecond.reduce((sum, n) => sum + n, 0);
  return total / SERVED_WINDOW_SECONDS;
}

/** Admissions per second for the next step: min(ceiling, max(floor, measured x headroom)). */
export function admissionRate(rule: AdmissionRateRule, measuredPerSecond: number): number {
  return Math.min(rule.ceiling, Math.max(rule.floor, measuredPerSecond * rule.headroom));
}
