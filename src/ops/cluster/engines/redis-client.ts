import { Redis } from 'ioredis';

/** Runs `fn` on a short-lived connection to a local Redis or Sentinel, failing fast. */
export async function withRedis<T>(port: number, password: string | undefined, fn: (r: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({
    host: '127.0.0.1',
    port,
    ...(password ? { password } : {}),
    connectTimeout: 1000,
    commandTimeout: 1500,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    lazyConnect: true,
  });
  redis.on('error', () => undefined); // surfaced by the command that fails
  try {
    await redis.connect();
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}

/** `INFO <section>` as key/value pairs. */
export async function info(redis: Redis, section: string): Promise<Record<string, string>> {
  const text = await redis.info(section);
  return Object.fromEntries(
    text
      .split('\r\n')
      .filter((l) => l.includes(':'))
      .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]),
  );
}
