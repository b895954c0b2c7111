/**
 * The topologies the `scale` scenario compares: 1 or 3 app instances, always
 * behind HAProxy (so the LB hop is in both), on one throw-away redis-server or
 * on a throw-away Redis Cluster of 3 masters + 3 replicas (Redlock then on its
 * own plain redis-server, as in production). MySQL is the bench database.
 */
import { Cluster } from 'ioredis';
import Redis from 'ioredis';
import { startLoadBalancer, LoadBalancer } from '../tools/load-balancer';
import { startRedisCluster, LocalRedisCluster } from '../tools/redis-cluster';
import { ExtraRedis, startExtraRedis } from '../tools/redis-server';
import { PRODUCTION_SETTINGS, Server, startServer } from './app-under-load';
import type { DeploymentName } from './bench-options';

export interface Deployment {
  name: DeploymentName;
  /** The load balancer's URL: where buyers and the admin go. */
  url: string;
  apps: Server[];
  lb: LoadBalancer;
  /** Reads the inventory for the invariant check. */
  redis: Redis | Cluster;
  /** Ports of every Redis serving commands for the app (cluster masters, the lock server). */
  redisPorts(): Promise<number[]>;
  stop(): Promise<void>;
}

export async function startDeployment(name: DeploymentName, env: NodeJS.ProcessEnv): Promise<Deployment> {
  const stops: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    while (stops.length) await stops.pop()!().catch(() => undefined);
  };
  try {
    const plain: ExtraRedis = await startExtraRedis();
    stops.push(() => plain.stop());
    let cluster: LocalRedisCluster | undefined;
    if (name.endsWith('cluster')) {
      cluster = await startRedisCluster();
      stops.push(() => cluster!.stop());
    }
    const redisEnv = cluster
      ? { REDIS_URL: plain.url, REDIS_CLUSTER_NODES: cluster.seeds.join(','), REDLOCK_NODES: plain.url }
      : { REDIS_URL: plain.url, REDIS_CLUSTER_NODES: '', REDLOCK_NODES: plain.url };
    const instances = name.startsWith('3x') ? 3 : 1;
    const apps: Server[] = [];
    // One at a time: three Nest boots at once on two cores time each other out.
    for (let i = 0; i < instances; i++) {
      const app = await startServer('src/main.js', { ...env, ...PRODUCTION_SETTINGS, ...redisEnv });
      apps.push(app);
      stops.push(() => app.proc.stop());
    }
    const lb = await startLoadBalancer(apps.map((a) => a.url));
    stops.push(() => lb.stop());
    const redis = cluster
      ? new Cluster(cluster.seeds.map((s) => ({ host: '127.0.0.1', port: Number(s.split(':')[1]) })))
      : new Redis(plain.url);
    stops.push(() => redis.quit());
    const redisPorts = async () => {
      if (!cluster) return [plain.port];
      const masters = (await cluster.nodes()).filter((n) => n.role === 'master' && !n.failed).map((n) => n.port);
      return [...masters, plain.port];
    };
    return { name, url: lb.url, apps, lb, redis, redisPorts, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
