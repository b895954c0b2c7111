/**
 * How soon a waiting ticket is worth reading again: the polling answer's
 * `pollAfterMs`, and the pace at which an instance re-reads a ticket it streams.
 * The front of the line changes every second (admissions come from there); a
 * buyer 5,000 places back will not be admitted for a while, so asking each
 * second only costs the back end. Twenty thousand buyers read every second are
 * 20,000 reads per second; read by this rule, about 2,200. (The room's close
 * is pushed to streams, so their sold_out never waits for this pace.)
 */

/** The front of the line is read this often, and any admitted ticket (its admission runs out). */
export const FRONT_REVISIT_MS = 1000;
/** Nobody waits longer than this between reads, however far back. */
export const MAX_REVISIT_MS = 10_000;
/** The pace slows by this much per place: place 100 is read each second, place 1,000 and beyond each 10 s. */
export const REVISIT_MS_PER_PLACE = 10;

export interface PlaceInLine {
  /** 1 = next; null when the place is not known (not waiting, or a lottery before its draw). */
  place: number | null;
  /** The room's own estimate of the wait (it knows the admission rate), or null. */
  waitSeconds: number | null;
}

/**
 * min(place x 10 ms, half the estimated wait), within [1 s, 10 s]: scaled by the
 * place, and never slower than half the time the room expects the buyer to wait
 * (a fast room moves the back of the line quickly). No place known: the front's pace.
 */
export function revisitAfterMs({ place, waitSeconds }: PlaceInLine): number {
  if (place === null || place <= 0) return FRONT_REVISIT_MS;
  const byPlace = place * REVISIT_MS_PER_PLACE;
  const byWait = waitSeconds === null ? Infinity : (waitSeconds * 1000) / 2;
  return Math.round(Math.min(MAX_REVISIT_MS, Math.max(FRONT_REVISIT_MS, Math.min(byPlace, byWait))));
}

/**
 * A streamed ticket's place now, without reading it: every admission is taken
 * from the front of the line (the admission step pops the lowest places; joins
 * go to the back), so each admission made since the ticket was read moved it up
 * one place. `admittedNow` is the room's admission count as the instance's last
 * admission step saw it; `admittedAtRead` the count in the same Lua read as the place.
 * At or below 0 the ticket has probably been admitted: read it now.
 */
export function placeNow(placeAtRead: number, admittedAtRead: number, admittedNow: number): number {
  return placeAtRead - Math.max(0, admittedNow - admittedAtRead);
}
