/** The shared client (one Redis or a Redis Cluster, see redis-client.ts): plain commands and Lua scripts, never WATCH. */
export const REDIS_CLIENT = Symbol('REDIS_CLIENT');
/** Dedicated connections for WATCH/MULTI/EXEC (per master on a cluster): WATCH state belongs to a connection. */
export const REDIS_WATCH_POOL = Symbol('REDIS_WATCH_POOL');
/** Redlock over REDLOCK_NODES: independent masters, never the cluster. */
export const REDLOCK = Symbol('REDLOCK');
