/**
 * Errors a client can cause. Each carries the HTTP status, a stable machine-readable `code` and
 * a message that says what is wrong and what to do about it.
 */
export class HttpError extends Error {
  readonly isHttpError = true;
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  readonly headers: Record<string, string>;
  constructor(status: number, code: string, message: string, details?: unknown, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.headers = headers;
  }
}

export const isHttpError = (e: unknown): e is HttpError =>
  e instanceof Error && (e as Partial<HttpError>).isHttpError === true;

export const badRequest = (message: string, details?: unknown) =>
  new HttpError(400, 'bad_request', message, details);
export const unauthorized = (message = 'sign in first: send Authorization: Bearer <access token>') =>
  new HttpError(401, 'unauthorized', message, undefined, { 'www-authenticate': 'Bearer' });
export const forbidden = (message: string) => new HttpError(403, 'forbidden', message);
export const notFound = (what: string, id: string) => new HttpError(404, 'not_found', `${what} ${id} does not exist`);
export const conflict = (message: string) => new HttpError(409, 'conflict', message);
export const unprocessable = (message: string, details?: unknown) =>
  new HttpError(422, 'unprocessable', message, details);
export const tooManyRequests = (message: string, retryAfterSeconds: number, code = 'rate_limited') =>
  new HttpError(429, code, message, { retryAfterSeconds }, { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) });
