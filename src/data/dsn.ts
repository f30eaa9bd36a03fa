/** `host:port/database` of a PostgreSQL connection URL, for messages and labels (never its password). */
export function dsnTarget(dsn: string): string {
  const url = new URL(dsn);
  return `${url.hostname}:${url.port || '5432'}${url.pathname}`;
}
