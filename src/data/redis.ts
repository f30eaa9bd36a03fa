import { Redis } from 'ioredis';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../observability/logger.ts';

/** The master (writes) and a replica-preferred connection (cache reads), both found through Sentinel. */
export interface RedisConnections {
  master: Redis;
  replica: Redis;
  close(): Promise<void>;
}

/**
 * Connects to Redis through its Sentinels. ioredis asks the Sentinels for the current master on
 * every (re)connect and, with `failoverDetector`, drops its connection as soon as a Sentinel
 * announces `+switch-master`, so commands move to the new master without waiting for a timeout.
 * Commands fail fast (commandTimeoutMs, no offline queue): callers fall back to PostgreSQL or
 * to in-process state instead of waiting.
 */
export function connectRedis(settings: Config['redis'], log: Logger): RedisConnections | undefined {
  if (settings.sentinels.length === 0) return undefined;
  const sentinels = settings.sentinels.map((s) => {
    const [host, port] = s.split(':');
    return { host: host!, port: Number(port) };
  });
  const common = {
    sentinels,
    name: settings.masterName,
    ...(settings.password ? { password: settings.password } : {}),
    commandTimeout: settings.commandTimeoutMs,
    connectTimeout: settings.commandTimeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    failoverDetector: true,
    sentinelRetryStrategy: (attempt: number) => Math.min(attempt * 200, 2000),
    retryStrategy: (attempt: number) => Math.min(attempt * 100, 1000),
  };
  const master = new Redis({ ...common, role: 'master', connectionName: 'jivs:master' });
  const replica = new Redis({ ...common, role: 'slave', preferredSlaves: [], connectionName: 'jivs:replica' });
  for (const [role, client] of [['master', master], ['replica', replica]] as const) {
    client.on('error', (error: Error) => log.warn({ role, error: error.message }, 'redis connection error'));
    client.on('+switch-master', () => log.warn({ role }, 'redis master switched'));
  }
  return {
    master,
    replica,
    async close() {
      master.disconnect();
      replica.disconnect();
      await Promise.resolve();
    },
  };
}
