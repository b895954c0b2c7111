import type Redis from 'ioredis';

/**
 * Registers each Lua script as a command of the client (ioredis sends it by
 * EVALSHA, falling back to EVAL when Redis forgot it). A client shared by
 * several providers, or a module initialised twice in one process, keeps the
 * first definition: redefining would only rebuild the same command.
 */
export function defineLuaCommands<Name extends string>(
  redis: Redis,
  scripts: Record<Name, readonly [numberOfKeys: number, lua: string]>,
): void {
  for (const [name, [numberOfKeys, lua]] of Object.entries(scripts) as [Name, readonly [number, string]][]) {
    if (!(name in redis)) redis.defineCommand(name, { numberOfKeys, lua });
  }
}
