import type { HttpJsonSettings, Pagination, SourceSecret } from './kinds.ts';

/**
 * Where the next page of an HTTP JSON source starts. JSON-serialisable, so an extraction can
 * store it with the rows of the page before and resume from it.
 */
export type PageState =
  | { type: 'page'; page: number }
  | { type: 'offset'; offset: number }
  | { type: 'cursor'; cursor: string };

/** One fetched page: its records and where the next page starts, `null` after the last page. */
export interface Page {
  records: unknown[];
  state: PageState | null;
}

export interface FetchPagesOptions {
  /** Limit for each request, body included. Default 30 000 ms. */
  timeoutMs?: number;
}

/**
 * A failure to fetch or read a page. The message names the URL without its query string (which
 * may carry keys) and never the request headers.
 */
export class HttpSourceError extends Error {
  /** HTTP status of the answer, when there was one. */
  readonly status: number | undefined;
  /** Whether trying again later may succeed (network failure, timeout, 429, 5xx). */
  readonly retryable: boolean;
  constructor(message: string, options: { status?: number; retryable: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HttpSourceError';
    this.status = options.status;
    this.retryable = options.retryable;
  }
}

/**
 * Fetches the pages of an HTTP JSON source one by one, from the beginning or from `startState`
 * (a `state` yielded earlier). Every fetched page is yielded; the last has `state: null`.
 * Pagination `page` ends at the first empty page, `offset` at the first page shorter than
 * `limit`, `cursor` when the response has no next cursor. Redirects are not followed, so secret
 * headers never travel to a host the source was not created for.
 */
export async function* fetchPages(
  settings: HttpJsonSettings,
  secret: SourceSecret,
  signal: AbortSignal,
  startState?: PageState,
  options: FetchPagesOptions = {},
): AsyncGenerator<Page, void, undefined> {
  const pagination = settings.pagination;
  // Headers, not an object spread: names are case-insensitive, so a configured Accept replaces ours.
  const headers = new Headers({ accept: 'application/json' });
  for (const [name, value] of Object.entries({ ...settings.headers, ...secret.headers })) headers.set(name, value);
  const timeoutMs = options.timeoutMs ?? 30_000;
  let position = startState === undefined ? firstPosition(pagination) : checkedStart(pagination, startState);
  for (;;) {
    const url = pageUrl(settings.url, pagination, position);
    const where = describe(url, position);
    const body = await getJson(url, headers, signal, timeoutMs, where);
    const records = valueAt(body, settings.recordsPath);
    if (!Array.isArray(records)) {
      throw new HttpSourceError(
        settings.recordsPath
          ? `recordsPath "${settings.recordsPath}" does not lead to an array in the response from ${where}`
          : `the response from ${where} is not an array; set recordsPath to where the records are`,
        { retryable: false },
      );
    }
    const next = nextPosition(pagination, position, records, body, where);
    yield { records, state: next };
    if (next === null) return;
    position = next;
  }
}

function firstPosition(pagination: Pagination): PageState | undefined {
  switch (pagination.type) {
    case 'page':
      return { type: 'page', page: pagination.start };
    case 'offset':
      return { type: 'offset', offset: 0 };
    default:
      // `none` and the first `cursor` request carry no position.
      return undefined;
  }
}

/** The stored state comes back from the database: trust nothing about it. */
function checkedStart(pagination: Pagination, state: PageState): PageState {
  const s = state as Partial<Record<string, unknown>>;
  const valid =
    s.type === pagination.type &&
    ((s.type === 'page' && Number.isSafeInteger(s.page) && (s.page as number) >= 0) ||
      (s.type === 'offset' && Number.isSafeInteger(s.offset) && (s.offset as number) >= 0) ||
      (s.type === 'cursor' && typeof s.cursor === 'string' && s.cursor !== ''));
  if (!valid) {
    throw new Error(`cannot resume: the saved position ${JSON.stringify(state)} does not fit pagination "${pagination.type}"`);
  }
  return state;
}

function pageUrl(base: string, pagination: Pagination, position: PageState | undefined): URL {
  const url = new URL(base);
  if (pagination.type === 'page' && position?.type === 'page') {
    url.searchParams.set(pagination.pageParam, String(position.page));
    if (pagination.sizeParam) url.searchParams.set(pagination.sizeParam, String(pagination.size));
  } else if (pagination.type === 'offset' && position?.type === 'offset') {
    url.searchParams.set(pagination.offsetParam, String(position.offset));
    url.searchParams.set(pagination.limitParam, String(pagination.limit));
  } else if (pagination.type === 'cursor' && position?.type === 'cursor') {
    url.searchParams.set(pagination.cursorParam, position.cursor);
  }
  return url;
}

function nextPosition(
  pagination: Pagination,
  position: PageState | undefined,
  records: unknown[],
  body: unknown,
  where: string,
): PageState | null {
  switch (pagination.type) {
    case 'none':
      return null;
    case 'page':
      return records.length === 0 || position?.type !== 'page' ? null : { type: 'page', page: position.page + 1 };
    case 'offset':
      return records.length < pagination.limit || position?.type !== 'offset'
        ? null
        : { type: 'offset', offset: position.offset + records.length };
    case 'cursor': {
      const value = valueAt(body, pagination.cursorPath);
      if (value === undefined || value === null || value === '') return null;
      if (typeof value !== 'string' && typeof value !== 'number') {
        throw new HttpSourceError(`cursorPath "${pagination.cursorPath}" in the response from ${where} is not a string or number`, {
          retryable: false,
        });
      }
      const cursor = String(value);
      // A server answering with the cursor it was given would make this loop forever.
      if (position?.type === 'cursor' && position.cursor === cursor) {
        throw new HttpSourceError(`the response from ${where} repeats the cursor it was asked for; pagination would never end`, {
          retryable: false,
        });
      }
      return { type: 'cursor', cursor };
    }
  }
}

/** `a.b.0.c` looked up through own properties only; `''` is the value itself. */
function valueAt(value: unknown, dotted: string): unknown {
  if (dotted === '') return value;
  let current = value;
  for (const key of dotted.split('.')) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function describe(url: URL, position: PageState | undefined): string {
  const at =
    position?.type === 'page' ? ` (page ${position.page})`
    : position?.type === 'offset' ? ` (offset ${position.offset})`
    : position?.type === 'cursor' ? ' (next cursor)'
    : '';
  return `${url.origin}${url.pathname}${at}`;
}

async function getJson(
  url: URL,
  headers: Headers,
  signal: AbortSignal,
  timeoutMs: number,
  where: string,
): Promise<unknown> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const failed = (e: unknown, doing: string): Error => {
    if (signal.aborted) return signal.reason instanceof Error ? signal.reason : new Error('fetching pages was cancelled');
    if (timeout.aborted) return new HttpSourceError(`${where} did not answer within ${timeoutMs} ms`, { retryable: true });
    const cause = (e as Error).cause;
    const reason = cause instanceof Error ? cause.message : (e as Error).message;
    return new HttpSourceError(`${doing} ${where} failed: ${reason}`, { retryable: true, cause: e });
  };

  let response: Response;
  try {
    response = await fetch(url, { headers, signal: AbortSignal.any([signal, timeout]), redirect: 'manual' });
  } catch (e) {
    throw failed(e, 'requesting');
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    const status = response.status;
    if (status >= 300 && status < 400) {
      throw new HttpSourceError(
        `${where} answered HTTP ${status}, a redirect, which is not followed; set the source URL to the final address`,
        { status, retryable: false },
      );
    }
    throw new HttpSourceError(`${where} answered HTTP ${status}${response.statusText ? ` ${response.statusText}` : ''}`, {
      status,
      retryable: status === 429 || status >= 500,
    });
  }
  let text: string;
  try {
    text = await response.text();
  } catch (e) {
    throw failed(e, 'reading the response from');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    const type = response.headers.get('content-type');
    throw new HttpSourceError(`the response from ${where} is not JSON${type ? ` (content-type ${type})` : ''}`, {
      status: response.status,
      retryable: false,
    });
  }
}
