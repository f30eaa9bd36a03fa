/**
 * `promise`, or a rejection saying `what` did not answer within `ms`. For probes that must answer
 * (a load balancer's check, a replica check) even when a dependency hangs; the work itself is
 * not cancelled.
 */
export const withinMs = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms).unref()),
  ]);
