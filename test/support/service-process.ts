import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

export interface ServiceProcess {
  child: ChildProcess;
  url: string;
  /** Everything the process printed, for failure messages. */
  output(): string;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
}

/**
 * Runs `jivs start --json` as a separate OS process (so a test can SIGKILL or SIGTERM it) and
 * resolves once it serves, with the URL it printed.
 */
export async function startServiceProcess(env: Record<string, string>): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'jivs.js'), 'start', '--json'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', JIVS_HTTP_PORT: '0', JIVS_LOG_LEVEL: process.env.JIVS_TEST_LOG_LEVEL ?? 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string);
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => {
      output += line + '\n';
      try {
        const event = JSON.parse(line) as { event?: string; url?: string; message?: string };
        if (event.event === 'result' && event.url) resolve(event.url);
        if (event.event === 'error') reject(new Error(`service failed to start: ${event.message}`));
      } catch {
        // a log line, not an event
      }
    });
    void exited.then((code) => reject(new Error(`service exited (${code}) before serving:\n${output}`)));
  });
  return { child, url, exited, output: () => output };
}

/** A JSON request to a running service: the answer's status and parsed body. */
export type Call = (method: string, url: string, body?: unknown) => Promise<{ status: number; body: any }>;

/** A JSON client of the service at `base`, sending `token` as the bearer when given. */
export function caller(base: string, token?: string): Call {
  return async (method, url, body) => {
    const res = await fetch(base + url, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
}
