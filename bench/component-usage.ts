/**
 * What one booking costs each part, measured around a run: app CPU (from
 * /proc, every instance), HAProxy CPU, Redis commands (INFO commandstats, every
 * server the app talks to) and MySQL transactions and statements (SHOW GLOBAL
 * STATUS). The MySQL counters are server-wide: on a shared server other
 * clients' work lands in them too, so they are an upper bound.
 */
import { readFileSync } from 'node:fs';
import Redis from 'ioredis';
import type { Pool, RowDataPacket } from 'mysql2/promise';

/** Linux clock ticks per second (USER_HZ), 100 on every usual kernel. */
const TICKS_PER_SECOND = 100;

export interface UsageSnapshot {
  appCpuMs: number;
  lbCpuMs: number;
  redisCalls: number;
  mysqlCommits: number;
  mysqlQuestions: number;
}

export interface PerBooking {
  appCpuMs: number;
  lbCpuMs: number;
  redisOps: number;
  mysqlCommits: number;
  mysqlStatements: number;
}

/** utime + stime of a process in ms (fields 14 and 15 of /proc/<pid>/stat), 0 once it is gone. */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

async function redisCalls(port: number): Promise<number> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const stats = await client.info('commandstats');
    return [...stats.matchAll(/calls=(\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
  } finally {
    client.disconnect();
  }
}

async function mysqlStatus(db: Pool): Promise<{ commits: number; questions: number }> {
  const [rows] = await db.query<RowDataPacket[]>("SHOW GLOBAL STATUS WHERE Variable_name IN ('Com_commit', 'Questions')");
  const value = (name: string) => Number(rows.find((r) => r.Variable_name === name)?.Value ?? 0);
  return { commits: value('Com_commit'), questions: value('Questions') };
}

export async function snapshot(appPids: number[], lbPid: number | undefined, redisPorts: number[], db: Pool): Promise<UsageSnapshot> {
  const calls = await Promise.all(redisPorts.map(redisCalls));
  const mysql = await mysqlStatus(db);
  return {
    appCpuMs: appPids.reduce((sum, pid) => sum + cpuMs(pid), 0),
    lbCpuMs: lbPid ? cpuMs(lbPid) : 0,
    redisCalls: calls.reduce((a, b) => a + b, 0),
    mysqlCommits: mysql.commits,
    mysqlQuestions: mysql.questions,
  };
}

export function perBooking(before: UsageSnapshot, after: UsageSnapshot, bookings: number): PerBooking {
  const per = (a: number, b: number) => (bookings > 0 ? (b - a) / bookings : NaN);
  return {
    appCpuMs: per(before.appCpuMs, after.appCpuMs),
    lbCpuMs: per(before.lbCpuMs, after.lbCpuMs),
    redisOps: per(before.redisCalls, after.redisCalls),
    mysqlCommits: per(before.mysqlCommits, after.mysqlCommits),
    mysqlStatements: per(before.mysqlQuestions, after.mysqlQuestions),
  };
}
