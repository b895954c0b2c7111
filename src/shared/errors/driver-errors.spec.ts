import { SqlTimeoutError } from '../../platform/database/bounded-sql';
import { BookingOutcomeUnknownError, DependencyUnavailableError } from './domain-errors';
import { asDependencyFailure } from './driver-errors';

const replyError = (message: string) => Object.assign(new Error(message), { name: 'ReplyError' });
const mysqlError = (code: string, fatal: boolean, errno?: number) =>
  Object.assign(new Error(code), { code, fatal, errno, sqlState: 'HY000', sqlMessage: code });

describe('asDependencyFailure: driver errors to domain errors', () => {
  it.each([
    ['NOREPLICAS Not enough good replicas to write.', 'REDIS_UNAVAILABLE'],
    ["OOM command not allowed when used memory > 'maxmemory'.", 'REDIS_UNAVAILABLE'],
    ['ERR Error running script (call to f_x): @user_script:5: @user_script: 5: -NOREPLICAS Not enough good replicas', 'REDIS_UNAVAILABLE'],
    ['MISCONF Redis is configured to save RDB snapshots', 'REDIS_UNAVAILABLE'],
    ["READONLY You can't write against a read only replica.", 'REDIS_UNAVAILABLE'],
    ['CLUSTERDOWN The cluster is down', 'REDIS_UNAVAILABLE'],
    ['TRYAGAIN Multiple keys request during rehashing of slot', 'REDIS_UNAVAILABLE'],
    ['LOADING Redis is loading the dataset in memory', 'REDIS_UNAVAILABLE'],
    ['BUSY Redis is busy running a script.', 'REDIS_UNAVAILABLE'],
    ['MASTERDOWN Link with MASTER is down', 'REDIS_UNAVAILABLE'],
    ['Connection is closed.', 'REDIS_UNAVAILABLE'],
    ["Stream isn't writeable and enableOfflineQueue options is false", 'REDIS_UNAVAILABLE'],
    // A Redis Cluster in the middle of a failover, as ioredis's Cluster client reports it.
    ["Cluster isn't ready and enableOfflineQueue options is false", 'REDIS_UNAVAILABLE'],
    ['Too many Cluster redirections. Last error: Error: Connection is closed.', 'REDIS_UNAVAILABLE'],
    ['Failed to refresh slots cache.', 'REDIS_UNAVAILABLE'],
    ['None of startup nodes is available', 'REDIS_UNAVAILABLE'],
    ['MOVED 7365 127.0.0.1:30002', 'REDIS_UNAVAILABLE'],
    ['ASK 7365 127.0.0.1:30002', 'REDIS_UNAVAILABLE'],
  ])('Redis %s -> 503 %s', (message, code) => {
    expect(asDependencyFailure(replyError(message))?.code).toBe(code);
  });

  it('Redis refusals inside MULTI (EXECABORT) -> 503 REDIS_UNAVAILABLE; a bug inside MULTI stays a bug', () => {
    const aborted = (previous: string) =>
      Object.assign(replyError('EXECABORT Transaction discarded because of previous errors.'), { previousErrors: [replyError(previous)] });
    expect(asDependencyFailure(aborted('NOREPLICAS Not enough good replicas to write.'))?.code).toBe('REDIS_UNAVAILABLE');
    expect(asDependencyFailure(aborted("OOM command not allowed when used memory > 'maxmemory'."))?.code).toBe('REDIS_UNAVAILABLE');
    expect(asDependencyFailure(aborted('ERR wrong number of arguments for zadd'))).toBeNull();
  });

  it.each([
    [mysqlError('PROTOCOL_CONNECTION_LOST', true)],
    [mysqlError('ER_LOCK_DEADLOCK', false, 1213)],
    [mysqlError('ECONNREFUSED', true)],
    [new Error('Queue limit reached.')],
    [new SqlTimeoutError('SELECT', 1000)],
  ])('MySQL %p -> 503 MYSQL_UNAVAILABLE', (error) => {
    expect(asDependencyFailure(error)?.code).toBe('MYSQL_UNAVAILABLE');
  });

  it('leaves bugs and domain errors alone (a 500 is a bug; a domain error already says what it is)', () => {
    expect(asDependencyFailure(mysqlError('ER_PARSE_ERROR', false, 1064))).toBeNull();
    expect(asDependencyFailure(new TypeError('x is undefined'))).toBeNull();
    expect(asDependencyFailure(replyError('ERR wrong number of arguments'))).toBeNull();
    expect(asDependencyFailure(new BookingOutcomeUnknownError())).toBeNull();
    const down = new DependencyUnavailableError('redis');
    expect(asDependencyFailure(down)).toBe(down);
  });
});
