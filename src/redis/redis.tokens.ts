/** The shared client: plain commands and Lua scripts, never WATCH. */
export const REDIS_CLIENT = Symbol('REDIS_CLIENT');
/** Dedicated connections for WATCH/MULTI/EXEC: WATCH state belongs to a connection. */
export const REDIS_WATCH_POOL = Symbol('REDIS_WATCH_POOL');
/** Redlock over REDLOCK_NODES. */
export const REDLOCK = Symbol('REDLOCK');
