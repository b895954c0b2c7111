import { drawPlaces } from './lottery-draw';

/**
 * The lottery's opening must be a uniform shuffle. Over repeated openings of a
 * pre-queue of 4, each of the 24 orders should come up equally often: a
 * chi-square test with 23 degrees of freedom, refused above 49.73 (p = 0.001:
 * a fair draw fails this test once in a thousand runs). The same test run on
 * the classic biased shuffle (swap with any index, not only the ones below)
 * must fail, or the test could not tell.
 */
const ROUNDS = 24_000;
const CRITICAL_23_DF_P001 = 49.73;

const preQueue = [1, 2, 3, 4].map((score) => ({ reference: `t${score}`, score }));

function chiSquare(draw: () => { reference: string; score: number }[]): number {
  const counts = new Map<string, number>();
  for (let i = 0; i < ROUNDS; i++) {
    const order = draw()
      .sort((a, b) => a.score - b.score)
      .map((m) => m.reference)
      .join(',');
    counts.set(order, (counts.get(order) ?? 0) + 1);
  }
  const expected = ROUNDS / 24;
  const seen = [...counts.values()];
  // An order never drawn contributes (0 - expected)^2 / expected = expected.
  return seen.reduce((acc, observed) => acc + (observed - expected) ** 2 / expected, 0) + (24 - seen.length) * expected;
}

/** The well-known mistake: j drawn from the whole range, n^n paths onto n! orders, not uniform. */
function biased<T extends { score: number }>(members: readonly T[]): T[] {
  const places = members.map((m) => m.score);
  for (let i = 0; i < places.length; i++) {
    const j = Math.floor(Math.random() * places.length);
    [places[i], places[j]] = [places[j], places[i]];
  }
  return members.map((m, i) => ({ ...m, score: places[i] }));
}

describe('drawPlaces (the lottery opening)', () => {
  it('deals out exactly the pre-queue places, each once', () => {
    const members = Array.from({ length: 100 }, (_, i) => ({ reference: `r${i}`, score: i * 3 + 1 }));
    const drawn = drawPlaces(members);
    expect(drawn.map((m) => m.reference)).toEqual(members.map((m) => m.reference));
    expect(drawn.map((m) => m.score).sort((a, b) => a - b)).toEqual(members.map((m) => m.score));
  });

  it(`is uniform over all 24 orders of 4 (chi-square over ${ROUNDS} openings below ${CRITICAL_23_DF_P001}); a biased shuffle is caught`, () => {
    const fair = chiSquare(() => drawPlaces(preQueue));
    expect(fair).toBeLessThan(CRITICAL_23_DF_P001);
    expect(chiSquare(() => biased(preQueue))).toBeGreaterThan(CRITICAL_23_DF_P001);
  });
});
