import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startApp, type RunningApp, type StartOptions } from '../../src/app.ts';
import { loadConfig } from '../../src/config/load.ts';
import { createDatabase } from './databases.ts';

export interface TestApp {
  app: RunningApp;
  url: string;
  dataDir: string;
  dsn: string;
  adminPassword: string;
  /** Signs in and returns the access token. */
  login(username?: string, password?: string): Promise<string>;
  /** fetch against the app with JSON body and optional bearer token. */
  request(method: string, url: string, options?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; headers: Headers; body: any }>;
  close(): Promise<void>;
}

export const TEST_ADMIN_PASSWORD = 'correct horse battery staple 42';

/**
 * A real instance of the service on its own fresh database of the test server, listening on a
 * free port. `overrides` are dotted config paths, e.g. `{ 'rateLimits.default.points': 3 }`, or
 * a function that prepares the fresh database (given its DSN) and returns them.
 */
export async function startTestApp(
  overrides: Record<string, unknown> | ((dsn: string) => Promise<Record<string, unknown>>) = {},
  options: StartOptions = {},
): Promise<TestApp> {
  const db = await createDatabase('app');
  const extra = typeof overrides === 'function' ? await overrides(db.dsn) : overrides;
  const dataDir = await mkdtemp(path.join(tmpdir(), 'jivs-app-'));
  const config = loadConfig(
    {},
    {
      dataDir,
      'embedded.enabled': false,
      'database.write': db.dsn,
      'http.port': 0,
      'log.level': process.env.JIVS_TEST_LOG_LEVEL ?? 'silent',
      'auth.adminPassword': TEST_ADMIN_PASSWORD,
      'sources.fileRoot': path.join(dataDir, 'files'),
      ...extra,
    },
  );
  const app = await startApp(config, options);
  const request: TestApp['request'] = async (method, url, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    }
    const res = await fetch(app.url + url, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, headers: res.headers, body: parsed };
  };
  return {
    app,
    url: app.url,
    dataDir,
    dsn: db.dsn,
    adminPassword: TEST_ADMIN_PASSWORD,
    request,
    async login(username = 'admin', password = TEST_ADMIN_PASSWORD) {
      const res = await request('POST', '/api/v1/auth/login', { body: { username, password } });
      if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
      return (res.body as { accessToken: string }).accessToken;
    },
    async close() {
      await app.stop();
      await db.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
