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
