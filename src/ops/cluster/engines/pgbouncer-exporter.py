"""Runs Debian 12's prometheus-pgbouncer-exporter 1.7 against PgBouncer 1.18 (copied here by jivs cluster).

1.7 reads SHOW STATS' `total_requests`, which PgBouncer 1.8 renamed `total_query_count`: unmapped,
every scrape fails with a KeyError. It labels pool_size and reserve_pool with SHOW DATABASES'
`database` (the server's database, `jivs` for all three aliases: duplicate series) instead of
the alias every other metric carries. And it keeps one connection for its whole life, so a
PgBouncer restart would fail every later scrape; here a broken connection is opened again on the
next scrape. Arguments and environment (PGPASSWORD) are the exporter's own.
"""
import sys

from prometheus_pgbouncer_exporter import cli, collectors

stats = collectors.StatsCollector.metrics
stats['total_query_count'] = stats.pop('total_requests')
collectors.DatabasesCollector.get_labels_for_row = lambda self, row: [row['name']]


class Reconnecting:
    """The connection the collectors share, opened again once it broke."""

    def __init__(self, connect):
        self._connect = connect
        self._connection = connect()

    def cursor(self):
        if self._connection.closed:
            self._connection = self._connect()
        return self._connection.cursor()

    def close(self):
        self._connection.close()


connect = cli.get_connection
cli.get_connection = lambda *args: Reconnecting(lambda: connect(*args))
sys.exit(cli.main())
