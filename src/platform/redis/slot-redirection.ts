/** A cluster node's "not mine": `MOVED 866 10.0.0.2:6379` or `ASK 866 10.0.0.2:6379`. */
const REDIRECTION = /^(MOVED|ASK) \d+ \S+/;

/**
 * True when a command on a dedicated connection was sent to a node that does
 * not (or no longer) serve the key's slot: after a failover or a resharding.
 * Inside MULTI the redirection is queued and EXEC answers EXECABORT, with the
 * redirection in ioredis's `previousErrors`. Nothing was written either way.
 */
export function isSlotRedirection(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (REDIRECTION.test(error.message)) return true;
  const previous = (error as { previousErrors?: unknown }).previousErrors;
  return (
    error.message.startsWith('EXECABORT') &&
    Array.isArray(previous) &&
    previous.some((e) => e instanceof Error && REDIRECTION.test(e.message))
  );
}
