/**
 * Whether `sources.httpAllowedHosts` lets an HTTP source reach `url`. Entries are `*` (any host),
 * a host name or address (any port), `host:port`, or `*.example.com` (any subdomain).
 */
export function isHostAllowed(url: URL, allowed: readonly string[]): boolean {
  const hostname = url.hostname.toLowerCase();
  const host = url.host.toLowerCase();
  return allowed.some((entry) => {
    const e = entry.trim().toLowerCase();
    if (e === '*') return true;
    if (e.startsWith('*.')) return hostname.endsWith(e.slice(1));
    return e === hostname || e === host;
  });
}
