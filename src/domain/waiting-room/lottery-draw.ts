import { randomInt } from 'node:crypto';

/**
 * The lottery's opening: the pre-queue's places (their join sequence numbers)
 * dealt out again by a uniform Fisher–Yates shuffle from the system's CSPRNG,
 * so every order of the pre-queue is equally likely and no one can predict it.
 */
export function drawPlaces<T extends { score: number }>(members: readonly T[], pick: (below: number) => number = randomInt): T[] {
  const places = members.map((m) => m.score);
  for (let i = places.length - 1; i > 0; i--) {
    const j = pick(i + 1);
    [places[i], places[j]] = [places[j], places[i]];
  }
  return members.map((m, i) => ({ ...m, score: places[i] }));
}
