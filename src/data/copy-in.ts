import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

// What pg-copy-streams writes to once the server has refused the COPY: it drops its connection
// then, and a write still queued behind a full socket would throw from an event handler and
// take the process down. Writes after the refusal go nowhere instead.
const DISCARD = { stream: { write: () => true, once: () => undefined }, sendCopyFail: () => undefined };

const BUFFER_BYTES = 8 * 1024 * 1024;

/**
 * `COPY ... FROM STDIN` that reports the server's refusal (a constraint or a value the table
 * does not take) as a value instead of an exception, so the caller can decide what to do with
 * the rows. Writes wait for the socket to drain (flat memory).
 */
export class CopyIn {
  readonly #stream: ReturnType<typeof copyFrom>;
  #error: Error | undefined;

  constructor(client: pg.ClientBase, statement: string) {
    // A deep buffer lets the caller prepare the next rows while the server takes these.
    this.#stream = client.query(copyFrom(statement, { highWaterMark: BUFFER_BYTES }));
    this.#stream.on('error', (e: Error) => {
      this.#error ??= e;
      process.nextTick(() => Object.assign(this.#stream, { connection: DISCARD }));
    });
  }

  /** The server refused the COPY (the rows written so far are not loaded). */
  get failed(): boolean {
    return this.#error !== undefined;
  }

  async write(data: Buffer): Promise<void> {
    if (this.#error || data.length === 0) return;
    if (!this.#stream.write(data)) {
      // `once` rejects when 'error' comes instead of 'drain'; the error is kept above.
      await once(this.#stream, 'drain').catch(() => undefined);
    }
  }

  /** Ends the COPY; resolves with the server's error if it refused the rows, else undefined. */
  async finish(): Promise<Error | undefined> {
    if (!this.#error) {
      this.#stream.end();
      await finished(this.#stream).catch((e: Error) => {
        this.#error ??= e;
      });
    }
    return this.#error;
  }

  /** Abandons the COPY (the server rolls it back), unless the server already refused it. */
  async abort(): Promise<void> {
    if (this.#error || this.#stream.destroyed) return;
    this.#stream.destroy(new Error('the load was abandoned'));
    await finished(this.#stream).catch(() => undefined);
  }
}

/** The server refused rows for what they hold (class 22 data exception, 23 integrity violation), not for the statement. */
export function isRowError(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && /^(22|23)/.test(code);
}
