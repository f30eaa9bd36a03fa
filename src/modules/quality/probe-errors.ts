import { badRequest, unprocessable } from '../../http/errors.ts';

/**
 * A PostgreSQL error raised by trying a client's rule or pattern, as the client's error: class 22
 * (a value PostgreSQL cannot read, a regex that does not compile) is a 400, class 42 (an
 * operator or type that does not apply to these columns) a 422. Anything else is not the
 * client's doing and is returned unchanged.
 */
export function asClientError(e: unknown, what: string): unknown {
  const code = (e as { code?: unknown }).code;
  if (typeof code !== 'string') return e;
  const reason = `${what}: ${(e as Error).message}`;
  if (code.startsWith('22')) return badRequest(reason);
  if (code.startsWith('42')) return unprocessable(reason);
  return e;
}
