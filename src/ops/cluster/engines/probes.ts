import { connect } from 'node:net';

/** GET a JSON document from a member's HTTP endpoint, with a short timeout. */
export async function getJson<T>(url: string, timeoutMs = 1500): Promise<{ status: number; body: T | undefined }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as T };
  } catch {
    return { status: res.status, body: undefined };
  }
}

/** Turns a failed probe into a probe result instead of an exception. */
export async function probeOrDown<T extends { healthy: boolean }>(fn: () => Promise<T>): Promise<T | { healthy: false; detail: string }> {
  try {
    return await fn();
  } catch (e) {
    return { healthy: false, detail: (e as Error).message };
  }
}

/** Resolves when a TCP connection to the port succeeds. */
export function tcpProbe(port: number, timeoutMs = 1000): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error(`port ${port}: no answer within ${timeoutMs} ms`));
    });
    socket.once('error', (e) => reject(e));
  });
}
