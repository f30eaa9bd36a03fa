import { Command } from 'commander';
import { isConfigError, loadConfig } from '../../config/load.ts';
import type { Config } from '../../config/schema.ts';
import { createLogger } from '../../observability/logger.ts';
import { clusterDown, clusterLogs, clusterStatus, clusterUp, parseMemberKinds, type MemberStatus } from '../../ops/cluster/cluster.ts';
import { createOutput, type Output } from '../output.ts';

function table(members: MemberStatus[]): string {
  const rows = members.map((m) => [
    m.name,
    m.zone,
    m.role ?? '-',
    m.running ? (m.healthy ? 'healthy' : 'UNHEALTHY') : 'stopped',
    m.lag === null ? '-' : String(m.lag),
    m.pid === null ? '-' : String(m.pid),
    String(m.port),
    m.detail ?? '',
  ]);
  const header = ['MEMBER', 'ZONE', 'ROLE', 'HEALTH', 'LAG', 'PID', 'PORT', 'DETAIL'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

/** Runs a cluster action with config loading and errors turned into a clear message and exit code. */
async function run(json: boolean | undefined, action: (config: Config, out: Output) => Promise<void>): Promise<void> {
  const out = createOutput(Boolean(json));
  try {
    await action(loadConfig(), out);
  } catch (e) {
    out.error((e as Error).message);
    process.exitCode = isConfigError(e) ? 2 : 1;
  }
}

export function clusterCommand(): Command {
  const cluster = new Command('cluster').description(
    'Run the local HA topology on real engines (etcd x3, Patroni/PostgreSQL x4, HAProxy and PgBouncer per zone, Redis x3 + Sentinel x3, app x3) on 127.0.0.1',
  );
  cluster
    .command('up')
    .description('Start every member that is not running and wait until all are healthy (idempotent)')
    .option('--json', 'machine-readable progress and result')
    .action((opts: { json?: boolean }) =>
      run(opts.json, async (config, out) => {
        const result = await clusterUp({ config, log: createLogger('warn'), onStep: (s) => out.step(s) });
        out.result(
          `${table(result.members)}\n\ncluster data: ${result.dir}\napp admin: admin / ${result.adminPassword}`,
          { dir: result.dir, admin: { username: 'admin', password: result.adminPassword }, members: result.members },
        );
      }),
    );
  cluster
    .command('down')
    .description('Stop exactly the members `up` started, by PID, in reverse order')
    .option('--wipe', 'also delete every member\'s data')
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean; wipe?: boolean }) =>
      run(opts.json, async (config, out) => {
        const result = await clusterDown({ config, log: createLogger('warn'), wipe: Boolean(opts.wipe), onStep: (s) => out.step(s) });
        out.result(`stopped ${result.stopped.length} members${opts.wipe ? ' and wiped the data' : ''}`, result);
      }),
    );
  cluster
    .command('status')
    .description("Each member's role, zone, health, lag, PID and port")
    .option('--kind <kinds>', 'only these member kinds, comma-separated (e.g. patroni,redis): a quicker probe')
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean; kind?: string }) =>
      run(opts.json, async (config, out) => {
        const members = await clusterStatus(config, opts.kind === undefined ? {} : { kinds: parseMemberKinds(opts.kind) });
        out.result(table(members), { members, healthy: members.every((m) => m.healthy) });
        if (!members.every((m) => m.healthy)) process.exitCode = 1;
      }),
    );
  cluster
    .command('logs')
    .description('The last lines of a member\'s log (or of every member)')
    .argument('[member]', 'e.g. pg-a, etcd-b, redis-c, app-a')
    .option('-n, --lines <n>', 'lines per member', '40')
    .option('--json', 'machine-readable output')
    .action((member: string | undefined, opts: { json?: boolean; lines: string }) =>
      run(opts.json, async (config, out) => {
        const logs = await clusterLogs(config, member, Number(opts.lines) || 40);
        out.result(
          Object.entries(logs)
            .map(([name, lines]) => `==> ${name} <==\n${lines.join('\n')}`)
            .join('\n\n'),
          { logs },
        );
      }),
    );
  return cluster;
}
