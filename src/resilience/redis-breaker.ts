import { CircuitState, ConsecutiveBreaker, circuitBreaker, handleAll, type CircuitBreakerPolicy } from 'cockatiel';
import { Gauge, Counter } from 'prom-client';
import type { Redis } from 'ioredis';
import type { RedisConnections } from '../data/redis.ts';
import type { Logger } from '../observability/logger.ts';
import { labelCombinations, startAtZero, type Metrics } from '../observability/metrics.ts';

/** A state as `circuit_breaker_transitions_total`'s `to` label says it (`halfopen`). */
const stateName = (state: CircuitState) => CircuitState[state].toLowerCase();

const STATE_VALUE: Record<CircuitState, number> = {
  [CircuitState.Closed]: 0,
  [CircuitState.Open]: 1,
  [CircuitState.HalfOpen]: 2,
  [CircuitState.Isolated]: 3,
};

/**
 * Redis behind a circuit breaker: after 3 consecutive failures calls stop going to Redis for
 * 5 s (then one trial call). Every call has a fallback: `run` resolves `undefined` when Redis
 * failed or the circuit is open, and the caller uses PostgreSQL or in-process state instead.
 */
export function createRedisGuard(redis: RedisConnections | undefined, metrics: Metrics, log: Logger) {
  const breaker: CircuitBreakerPolicy = circuitBreaker(handleAll, { halfOpenAfter: 5000, breaker: new ConsecutiveBreaker(3) });
  const state = new Gauge({
    name: 'circuit_breaker_state',
    help: 'Circuit breaker state per dependency: 0 closed, 1 open, 2 half-open',
    labelNames: ['dependency'] as const,
    registers: [metrics.registry],
  });
  const transitions = new Counter({
    name: 'circuit_breaker_transitions_total',
    help: 'Circuit breaker state changes per dependency',
    labelNames: ['dependency', 'to'] as const,
    registers: [metrics.registry],
  });
  state.set({ dependency: 'redis' }, 0);
  startAtZero(transitions, labelCombinations({ dependency: ['redis'], to: [CircuitState.Closed, CircuitState.Open, CircuitState.HalfOpen].map(stateName) }));
  new Gauge({
    name: 'cache_evictions_total',
    help: 'Keys Redis evicted under maxmemory (allkeys-lru) since the master started, from its INFO',
    labelNames: ['cache'] as const,
    registers: [metrics.registry],
    async collect() {
      // Not through the breaker: a scrape must not count as a Redis failure or success.
      const info = await redis?.master.info('stats').catch(() => undefined);
      const evicted = info ? /^evicted_keys:(\d+)/m.exec(info)?.[1] : undefined;
      if (evicted !== undefined) this.set({ cache: 'redis' }, Number(evicted));
    },
  });
  breaker.onStateChange((to) => {
    state.set({ dependency: 'redis' }, STATE_VALUE[to]);
    transitions.inc({ dependency: 'redis', to: stateName(to) });
    log.warn({ dependency: 'redis', state: CircuitState[to] }, `redis circuit breaker is now ${stateName(to)}`);
  });
  return {
    enabled: redis !== undefined,
    connections: redis,
    /** Runs `fn` on the master (or a replica for `on: 'replica'`); undefined when Redis cannot answer. */
    async run<T>(fn: (client: Redis) => Promise<T>, on: 'master' | 'replica' = 'master'): Promise<T | undefined> {
      if (!redis) return undefined;
      try {
        return await breaker.execute(() => fn(on === 'master' ? redis.master : redis.replica));
      } catch {
        return undefined;
      }
    },
    get state(): string {
      return stateName(breaker.state);
    },
  };
}

export type RedisGuard = ReturnType<typeof createRedisGuard>;
