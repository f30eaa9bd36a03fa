import { createHmac, hkdfSync } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import type { AppContext } from '../context.ts';
import { canonicalJson } from '../data/canonical-json.ts';
import { sqlFiles } from '../data/sql.ts';
import { badRequest, unprocessable } from './errors.ts';

const SQL = sqlFiles(import.meta.dirname, [
  'claim-idempotency-key',
  'find-idempotency-key',
  'complete-idempotency-key',
  'purge-idempotency-keys',
]);

/** Methods whose requests may carry an `Idempotency-Key`. */
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

// Visible ASCII, as Stripe and the IETF draft allow; long enough for a UUID with a prefix.
const KEY = /^[\x21-\x7e]{1,255}$/;

interface Answer {
  fingerprint: string;
  method: string;
  url: string;
  status: number;
  body: unknown;
  /** True when the key was already used: this is the stored answer, nothing was run. */
  replayed: boolean;
}

/**
 * Wraps a route handler so that a request sent with an `Idempotency-Key` is applied exactly
 * once per signed-in user and key. The key row and every write the handler makes commit in one
 * transaction (`DatabaseRoles.sharedTransaction`), so a retry — by the client, by HAProxy after
 * an instance died, or by the failover policy after the primary went away, even mid-COMMIT —
 * either finds the stored answer and gives it again, or finds nothing applied and runs afresh.
 * The same key with a different request is refused (422); requests without the header are
 * handled as before.
 */
export function idempotent(ctx: AppContext, handler: RouteHandlerMethod): RouteHandlerMethod {
  const ttlSeconds = ctx.config.http.idempotencyKeyTtlHours * 3600;
  // Bodies may hold passwords (a new user's): the stored fingerprint is keyed, so it cannot be
  // tested against guesses by whoever reads the table.
  const fingerprintKey = Buffer.from(hkdfSync('sha256', ctx.secrets.jwtKey, '', 'jivs idempotency fingerprint', 32));
  return async function (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
    const key = request.headers['idempotency-key'];
    if (key === undefined || !request.principal) return handler.call(this, request, reply);
    if (typeof key !== 'string' || !KEY.test(key)) {
      throw badRequest('Idempotency-Key must be 1-255 visible ASCII characters (a UUID is a good choice), sent once');
    }
    const principal = request.principal.userId;
    const url = request.url;
    const fingerprint = createHmac('sha256', fingerprintKey)
      .update(`${request.method} ${url}\n${canonicalJson(request.body ?? null)}`)
      .digest('hex');

    const answer = await ctx.db.sharedTransaction(async (client): Promise<Answer> => {
      const claimed = await client.query(SQL['claim-idempotency-key'], [principal, key, fingerprint, request.method, url, ttlSeconds]);
      if (claimed.rowCount === 0) {
        const { rows } = await client.query<Omit<Answer, 'replayed'>>(SQL['find-idempotency-key'], [principal, key]);
        return { ...rows[0]!, replayed: true };
      }
      const captured = capture(reply);
      const returned: unknown = await handler.call(this, request, captured.reply);
      const status = captured.status ?? 200;
      const body = captured.sent ? captured.body : returned;
      // Only answers that applied something are kept; a 4xx undoes the writes with the throw.
      await client.query(SQL['complete-idempotency-key'], [principal, key, status, body === undefined ? null : JSON.stringify(body)]);
      return { fingerprint, method: request.method, url, status, body, replayed: false };
    });

    if (answer.fingerprint !== fingerprint) {
      throw unprocessable(
        `Idempotency-Key "${key}" was first used for ${answer.method} ${answer.url} with another body; use a new key for a new request`,
      );
    }
    if (answer.replayed) {
      reply.header('idempotent-replayed', 'true');
      ctx.metrics.idempotentReplays.inc();
    }
    return reply.code(answer.status).send(answer.body ?? undefined);
  };
}

/**
 * The reply as the handler sees it, with its status and body held back so the answer is sent
 * only after the transaction commits (and can be stored with it). Headers pass straight through.
 */
function capture(reply: FastifyReply) {
  const state: { reply: FastifyReply; status?: number; body?: unknown; sent: boolean } = { reply, sent: false };
  state.reply = new Proxy(reply, {
    get(target, prop) {
      // A Fastify reply is a thenable that settles once the response is out; the handler's
      // returned reply is awaited before anything is sent, so it must not look like one.
      if (prop === 'then') return undefined;
      if (prop === 'code' || prop === 'status') {
        return (status: number) => {
          state.status = status;
          return state.reply;
        };
      }
      if (prop === 'send') {
        return (body?: unknown) => {
          state.body = body;
          state.sent = true;
          return state.reply;
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return state;
}

/** Deletes expired keys (any instance may; the DELETE is idempotent). */
export async function purgeExpiredIdempotencyKeys(ctx: AppContext): Promise<number> {
  const { rowCount } = await ctx.db.write.query(SQL['purge-idempotency-keys']);
  return rowCount ?? 0;
}
