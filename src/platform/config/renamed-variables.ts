/**
 * Variables that were renamed: old name -> new name. The old name is still
 * accepted so an existing deployment keeps its settings, with one warning at
 * start-up naming the new one; when both are set, the new one wins.
 *
 * HOLD_TTL_MS and HOLD_SWEEP_INTERVAL_MS: "hold" now means only the checkout
 * hold a buyer confirms (CHECKOUT_HOLD_TTL_MS); the short Redis claim taken
 * while a booking is written is a reservation (RESERVATION_TTL_MS), and one
 * interval drives both sweepers (reservations and checkout holds).
 */
export const RENAMED_VARIABLES: Readonly<Record<string, string>> = {
  HOLD_TTL_MS: 'RESERVATION_TTL_MS',
  HOLD_SWEEP_INTERVAL_MS: 'SWEEP_INTERVAL_MS',
};

/** The environment with every old name's value under its new name (unless the new one is set), and a warning each. */
export function applyRenamedVariables(raw: Record<string, unknown>): { env: Record<string, unknown>; warnings: string[] } {
  const env = { ...raw };
  const warnings: string[] = [];
  for (const [oldName, newName] of Object.entries(RENAMED_VARIABLES)) {
    if (!isSet(raw[oldName])) continue;
    delete env[oldName];
    if (isSet(raw[newName])) {
      warnings.push(`${oldName} is renamed ${newName}; both are set, ${newName} wins: remove ${oldName}`);
    } else {
      env[newName] = raw[oldName];
      warnings.push(`${oldName} is renamed ${newName}: its value is used, set ${newName} instead`);
    }
  }
  return { env, warnings };
}

/** `FOO=` means "use the default", as everywhere else in the environment. */
const isSet = (value: unknown): boolean => value !== undefined && value !== '';
