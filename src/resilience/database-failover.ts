import { ExponentialBackoff, handleWhen, retry, type RetryPolicy } from 'cockatiel';

// SQLSTATEs that mean "this server cannot take the statement now", not "the statement is wrong":
// connection exceptions (08), shutting down / starting up (57P01-57P03), and a write that met a
// read-only server — a node Patroni is demoting or has not finished promoting (25006).
const FAILOVER_SQLSTATE = /^(08|57P0[123]$|25006$)/;
const FAILOVER_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);
// "encountered a connection error": pg's answer to a statement on a connection the server dropped
// while it was idle in our hands (between two statements of a transaction).
const FAILOVER_MESSAGE =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|server conn crashed|cannot connect to server|server closed the connection|encountered a connection error/i;

/** True when an error says the database went away or cannot write now (a failover), not that the request was wrong. */
export function isPrimaryUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (FAILOVER_SQLSTATE.test(code) || FAILOVER_ERRNO.has(code))) return true;
  return FAILOVER_MESSAGE.test(error.message);
}

/**
 * Retries work that failed because the database is failing over, with exponential backoff
 * (100 ms doubling to 2 s) for about `budgetMs` — long enough to cover a Patroni failover
 * (about 10 s with ttl 10) — then gives up with the last error.
 */
export function failoverRetry(budgetMs: number): RetryPolicy {
  const maxDelay = 2000;
  return retry(handleWhen(isPrimaryUnavailable), {
    maxAttempts: Math.ceil(budgetMs / maxDelay) + 5,
    backoff: new ExponentialBackoff({ initialDelay: 100, maxDelay }),
  });
}
