import type { Tracer } from '@opentelemetry/api';
import { Redis } from 'ioredis';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../observability/logger.ts';
import { traceCommands } from './redis-spans.ts';

/** The master (writes) and a replica-preferred connection (cache reads), both found through Sentinel. */
export interface RedisConnections {
  master: Redis;
  replica: Redis;
  /** When the master connection last came up on a different server than before (a Sentinel failover); 0 if never. */
  masterSwitchedAt(): number;
  /** What the first Sentinel that answers knows of the master, its replicas and the other Sentinels. */
  sentinelView(): Promise<SentinelView>;
  close(): Promise<void>;
}

export interface SentinelView {
  askedSentinel: string;
  master: { address: string; flags: string };
  replicas: Array<{ address: string; flags: string; offset: number }>;
  /** Every Sentinel watching the master, the one asked included. */
  sentinels: string[];
  quorum: number;
}

/** The Sentinels answer but watch no master of the configured name. */
export class UnknownMasterError extends Error {
  constructor(name: string, options?: ErrorOptions) {
    super(`the Sentinels watch no master named "${name}"`, options);
  }
}

/**
 * Fails start-up on Sentinel settings that cannot work, naming the setting: no configured
 * Sentinel answers (a wrong address), or they answer but know no such master (a wrong name).
 * A Redis master that is down is not a reason: Redis is an accelerator.
 */
export async function checkSentinels(connections: RedisConnections, settings: Config['redis']): Promise<void> {
  try {
    await connections.sentinelView();
  } catch (e) {
    if (e instanceof UnknownMasterError) {
      throw new Error(`JIVS_REDIS_MASTER_NAME (redis.masterName): ${e.message}; use the name their sentinel.conf monitors`, { cause: e });
    }
    const cause = (e as Error).cause instanceof Error ? `: ${((e as Error).cause as Error).message}` : '';
    throw new Error(`JIVS_REDIS_SENTINELS (redis.sentinels): none of ${settings.sentinels.join(', ')} answered as a Sentinel${cause}; check the addresses`, { cause: e });
  }
}

/** Redis answers SENTINEL commands with flat [key, value, key, value, ...] arrays. */
const fields = (flat: unknown): Record<string, string> => {
  const list = flat as string[];
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < list.length; i += 2) out[list[i]!] = list[i + 1]!;
  return out;
};

/**
 * Connects to Redis through its Sentinels. ioredis asks the Sentinels for the current master on
 * every (re)connect and, with `failoverDetector`, drops its connection as soon as a Sentinel
 * announces `+switch-master`, so commands move to the new master without waiting for a timeout.
 * Commands fail fast (commandTimeoutMs, no offline queue): callers fall back to PostgreSQL or
 * to in-process state instead of waiting. Each command is a span of the trace it runs in.
 */
export function connectRedis(settings: Config['redis'], log: Logger, tracer: Tracer): RedisConnections | undefined {
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
    traceCommands(client, tracer);
  }
  // ioredis reconnects to whichever server the Sentinels name; a different address than last
  // time means a failover happened, and writes the old master took may be gone.
  let masterAddress: string | undefined;
  let switchedAt = 0;
  master.on('ready', () => {
    const address = `${master.stream.remoteAddress}:${master.stream.remotePort}`;
    if (masterAddress !== undefined && address !== masterAddress) {
      switchedAt = Date.now();
      log.warn({ from: masterAddress, to: address }, 'decision: redis master switched; cached entries written before now are distrusted');
    }
    masterAddress = address;
  });
  const sentinelView = async (): Promise<SentinelView> => {
    let lastError: unknown;
    for (const s of sentinels) {
      const client = new Redis({ ...s, connectTimeout: 500, commandTimeout: 1000, enableOfflineQueue: true, maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
      client.on('error', () => undefined);
      try {
        await client.connect();
        const [m, replicas, others] = (await Promise.all([
          client.call('SENTINEL', 'MASTER', settings.masterName),
          client.call('SENTINEL', 'REPLICAS', settings.masterName),
          client.call('SENTINEL', 'SENTINELS', settings.masterName),
        ])) as [unknown, unknown[], unknown[]];
        const master = fields(m);
        return {
          askedSentinel: `${s.host}:${s.port}`,
          master: { address: `${master.ip}:${master.port}`, flags: master.flags ?? '' },
          replicas: replicas.map(fields).map((r) => ({ address: `${r.ip}:${r.port}`, flags: r.flags ?? '', offset: Number(r['slave-repl-offset'] ?? 0) })),
          sentinels: [`${s.host}:${s.port}`, ...others.map(fields).map((o) => `${o.ip}:${o.port}`)],
          quorum: Number(master.quorum ?? 0),
        };
      } catch (e) {
        // Every Sentinel watches the same masters: one that does not know the name settles it.
        if (/no such master/i.test((e as Error).message)) throw new UnknownMasterError(settings.masterName, { cause: e });
        lastError = e;
      } finally {
        client.disconnect();
      }
    }
    throw new Error(`no Sentinel answered (${sentinels.map((s) => `${s.host}:${s.port}`).join(', ')})`, { cause: lastError });
  };
  return {
    master,
    replica,
    masterSwitchedAt: () => switchedAt,
    sentinelView,
    async close() {
      master.disconnect();
      replica.disconnect();
      await Promise.resolve();
    },
  };
}
