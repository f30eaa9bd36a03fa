import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fetchPages, HttpSourceError, type Page, type PageState } from './http-json-pages.ts';
import { httpJsonSettings, type SourceSecret } from './kinds.ts';

const ITEMS = Array.from({ length: 5 }, (_, i) => ({ id: i + 1 }));

/** A small API with one route per pagination style and per failure. */
function api(requests: Array<{ url: string; headers: IncomingHttpHeaders }>): Server {
  return createServer((req, res) => {
    const url = new URL(req.url!, 'http://localhost');
    requests.push({ url: url.pathname + url.search, headers: req.headers });
    const json = (body: unknown, status = 200) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const q = (name: string) => url.searchParams.get(name);
    switch (url.pathname) {
      case '/none':
        return json({ data: { items: ITEMS } });
      case '/array':
        return json(ITEMS);
      case '/pages': {
        const page = Number(q('p'));
        const size = Number(q('size'));
        return json({ results: ITEMS.slice((page - 1) * size, page * size) });
      }
      case '/offset': {
        const offset = Number(q('from'));
        return json({ rows: ITEMS.slice(offset, offset + Number(q('max'))) });
      }
      case '/cursor': {
        const chain: Record<string, [number, string | null]> = { '': [0, 'c2'], c2: [2, 'c3'], c3: [4, null] };
        const [start, next] = chain[q('cursor') ?? '']!;
        return json({ items: ITEMS.slice(start, start + 2), meta: { next } });
      }
      case '/cursor-stuck':
        return json({ items: [ITEMS[0]], next: 'same' });
      case '/secret':
        if (req.headers.authorization !== 'Bearer s3cret') return json({ error: 'no' }, 401);
        return json([{ ok: true }]);
      case '/broken':
        return json({ error: 'boom' }, 503);
      case '/html':
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end('<html>not json</html>');
      case '/object':
        return json({ items: 'not an array' });
      case '/redirect':
        res.writeHead(302, { location: 'http://elsewhere.example/' });
        return res.end();
      case '/slow':
        return setTimeout(() => json([]), 2000).unref();
      default:
        return json({ error: 'not found' }, 404);
    }
  });
}

async function collect(pages: AsyncGenerator<Page>): Promise<Page[]> {
  const out: Page[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

describe('fetchPages', () => {
  const requests: Array<{ url: string; headers: IncomingHttpHeaders }> = [];
  const server = api(requests);
  let base: string;
  const signal = new AbortController().signal;
  const settings = (input: Record<string, unknown>) => httpJsonSettings.parse({ ...input, url: base + String(input.url) });
  const run = (input: Record<string, unknown>, secret: SourceSecret = {}, start?: PageState) =>
    collect(fetchPages(settings(input), secret, signal, start, { timeoutMs: 500 }));

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('fetches one page without pagination, finding records by a dotted path', async () => {
    const pages = await run({ url: '/none', recordsPath: 'data.items' });
    assert.deepEqual(pages, [{ records: ITEMS, state: null }]);
    assert.deepEqual((await run({ url: '/array' })).map((p) => p.records.length), [5]);
  });

  it('pages by page number until an empty page, keeping query parameters of the URL', async () => {
    requests.length = 0;
    const input = { url: '/pages?fixed=1', recordsPath: 'results', pagination: { type: 'page', pageParam: 'p', sizeParam: 'size', size: 2 } };
    const pages = await run(input);
    assert.deepEqual(
      pages.map((p) => [p.records.length, p.state]),
      [
        [2, { type: 'page', page: 2 }],
        [2, { type: 'page', page: 3 }],
        [1, { type: 'page', page: 4 }],
        [0, null],
      ],
    );
    assert.equal(requests[0]!.url, '/pages?fixed=1&p=1&size=2');
    // Resuming from a stored state continues with the page after it.
    const resumed = await run(input, {}, JSON.parse(JSON.stringify(pages[1]!.state)) as PageState);
    assert.deepEqual(resumed.flatMap((p) => p.records), ITEMS.slice(4));
  });

  it('pages by offset until a short page', async () => {
    const input = { url: '/offset', recordsPath: 'rows', pagination: { type: 'offset', offsetParam: 'from', limitParam: 'max', limit: 2 } };
    const pages = await run(input);
    assert.deepEqual(pages.flatMap((p) => p.records), ITEMS);
    assert.deepEqual(pages.map((p) => p.state), [{ type: 'offset', offset: 2 }, { type: 'offset', offset: 4 }, null]);
    const resumed = await run(input, {}, { type: 'offset', offset: 2 });
    assert.deepEqual(resumed.flatMap((p) => p.records), ITEMS.slice(2));
  });

  it('follows a cursor until the response has none', async () => {
    const input = { url: '/cursor', recordsPath: 'items', pagination: { type: 'cursor', cursorPath: 'meta.next' } };
    const pages = await run(input);
    assert.deepEqual(pages.flatMap((p) => p.records), ITEMS);
    assert.deepEqual(pages.map((p) => p.state), [{ type: 'cursor', cursor: 'c2' }, { type: 'cursor', cursor: 'c3' }, null]);
    const resumed = await run(input, {}, { type: 'cursor', cursor: 'c3' });
    assert.deepEqual(resumed.flatMap((p) => p.records), ITEMS.slice(4));
  });

  it('stops a cursor that does not advance', async () => {
    const input = { url: '/cursor-stuck', recordsPath: 'items', pagination: { type: 'cursor', cursorPath: 'next' } };
    await assert.rejects(run(input), /repeats the cursor/);
  });

  it('refuses a saved position of another pagination kind', async () => {
    await assert.rejects(run({ url: '/none', recordsPath: 'data.items' }, {}, { type: 'page', page: 2 }), /cannot resume/);
    const pageInput = { url: '/pages', pagination: { type: 'page' } };
    await assert.rejects(run(pageInput, {}, { type: 'page', page: -1 }), /cannot resume/);
  });

  it('sends plain and secret headers', async () => {
    requests.length = 0;
    const pages = await run({ url: '/secret', headers: { 'X-Trace': 't1' } }, { headers: { Authorization: 'Bearer s3cret' } });
    assert.deepEqual(pages[0]!.records, [{ ok: true }]);
    assert.equal(requests[0]!.headers['x-trace'], 't1');
    assert.equal(requests[0]!.headers.accept, 'application/json');
    await run({ url: '/array', headers: { Accept: 'application/vnd.api+json' } });
    assert.equal(requests[1]!.headers.accept, 'application/vnd.api+json');
  });

  it('reports non-2xx answers with status and URL, without secrets or the query string', async () => {
    await assert.rejects(run({ url: '/secret?api_key=hidden' }, { headers: { Authorization: 'Bearer wrong' } }), (e: unknown) => {
      assert.ok(e instanceof HttpSourceError);
      assert.equal(e.status, 401);
      assert.equal(e.retryable, false);
      assert.match(e.message, new RegExp(`${base}/secret answered HTTP 401`));
      assert.doesNotMatch(e.message, /hidden|wrong|Bearer/);
      return true;
    });
    await assert.rejects(run({ url: '/broken' }), (e: unknown) => e instanceof HttpSourceError && e.status === 503 && e.retryable);
    await assert.rejects(run({ url: '/redirect' }), /HTTP 302, a redirect, which is not followed/);
  });

  it('reports bodies that are not JSON or hold no array where expected', async () => {
    await assert.rejects(run({ url: '/html' }), /is not JSON \(content-type text\/html\)/);
    await assert.rejects(run({ url: '/object', recordsPath: 'items' }), /recordsPath "items" does not lead to an array/);
    await assert.rejects(run({ url: '/object' }), /is not an array; set recordsPath/);
    await assert.rejects(run({ url: '/object', recordsPath: '__proto__' }), /does not lead to an array/);
  });

  it('times out and reports unreachable servers', async () => {
    await assert.rejects(run({ url: '/slow' }), (e: unknown) => e instanceof HttpSourceError && e.retryable && /did not answer within 500 ms/.test(e.message));
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const pages = fetchPages(httpJsonSettings.parse({ url: `http://127.0.0.1:${port}/x` }), {}, signal);
    await assert.rejects(collect(pages), /requesting http:\/\/127\.0\.0\.1:\d+\/x failed: .*ECONNREFUSED/);
  });

  it('stops when the caller aborts', async () => {
    const controller = new AbortController();
    const pages = fetchPages(settings({ url: '/slow' }), {}, controller.signal, undefined, { timeoutMs: 5000 });
    setTimeout(() => controller.abort(new Error('cancelled by test')), 50);
    await assert.rejects(collect(pages), /cancelled by test/);
  });
});
