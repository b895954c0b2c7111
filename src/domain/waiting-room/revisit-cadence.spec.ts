import { FRONT_REVISIT_MS, MAX_REVISIT_MS, placeNow, revisitAfterMs } from './revisit-cadence';

describe('revisitAfterMs', () => {
  it('the front of the line is read every second', () => {
    expect(revisitAfterMs({ place: 1, waitSeconds: 1 })).toBe(FRONT_REVISIT_MS);
    expect(revisitAfterMs({ place: 100, waitSeconds: 600 })).toBe(1000);
  });

  it('slows with the place, 10 ms per place', () => {
    expect(revisitAfterMs({ place: 250, waitSeconds: 600 })).toBe(2500);
    expect(revisitAfterMs({ place: 700, waitSeconds: 600 })).toBe(7000);
  });

  it('never slower than 10 s, however far back', () => {
    expect(revisitAfterMs({ place: 1000, waitSeconds: 600 })).toBe(MAX_REVISIT_MS);
    expect(revisitAfterMs({ place: 20_000, waitSeconds: 3600 })).toBe(MAX_REVISIT_MS);
  });

  it('never slower than half the estimated wait: a fast room moves the back quickly', () => {
    // Place 2,000 at 1,000 admissions a second: admitted in about 2 s, read again after 1 s.
    expect(revisitAfterMs({ place: 2000, waitSeconds: 2 })).toBe(1000);
    expect(revisitAfterMs({ place: 2000, waitSeconds: 8 })).toBe(4000);
  });

  it('no place known (admitted, or a lottery before its draw): the front pace', () => {
    expect(revisitAfterMs({ place: null, waitSeconds: null })).toBe(FRONT_REVISIT_MS);
    expect(revisitAfterMs({ place: 0, waitSeconds: 0 })).toBe(FRONT_REVISIT_MS);
  });

  it('no wait estimate: by the place alone', () => {
    expect(revisitAfterMs({ place: 300, waitSeconds: null })).toBe(3000);
  });
});

describe('placeNow', () => {
  it('moves a ticket up one place per admission made since it was read', () => {
    expect(placeNow(500, 40, 40)).toBe(500);
    expect(placeNow(500, 40, 140)).toBe(400);
    expect(placeNow(5, 40, 46)).toBe(-1);
  });

  it('a count that went down (Redis lost the room) moves nobody back', () => {
    expect(placeNow(10, 40, 0)).toBe(10);
  });
});
