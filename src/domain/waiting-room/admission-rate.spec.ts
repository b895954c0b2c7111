import { admissionRate, SERVED_WINDOW_SECONDS, servedPerSecond } from './admission-rate';

describe('admissionRate', () => {
  const rule = { ceiling: 100, floor: 5, headroom: 2 };

  it('a cold room (nobody served yet) admits at the floor', () => {
    expect(admissionRate(rule, 0)).toBe(5);
  });

  it('follows the measured rate with headroom while under the ceiling', () => {
    expect(admissionRate(rule, 10)).toBe(20);
    expect(admissionRate(rule, 30)).toBe(60);
  });

  it('never exceeds the ceiling, whatever is measured', () => {
    expect(admissionRate(rule, 80)).toBe(100);
    expect(admissionRate(rule, 10_000)).toBe(100);
  });

  it('never drops below the floor when buyers walk away unserved', () => {
    expect(admissionRate(rule, 1)).toBe(5);
  });

  it('a floor above the ceiling: the ceiling wins (the back end limit is the hard one)', () => {
    expect(admissionRate({ ceiling: 10, floor: 50, headroom: 2 }, 0)).toBe(10);
  });
});

describe('servedPerSecond', () => {
  it('averages the per-second counts over the whole window, missing seconds as 0', () => {
    expect(servedPerSecond([30])).toBeCloseTo(30 / SERVED_WINDOW_SECONDS);
    expect(servedPerSecond(Array.from({ length: SERVED_WINDOW_SECONDS }, () => 12))).toBe(12);
    expect(servedPerSecond([])).toBe(0);
  });
});
