import { Command } from 'commander';
import pg from 'pg';
import { isConfigError, loadConfig } from '../../config/load.ts';
import { verifyChain } from '../../modules/audit/audit-log.ts';
import { createOutput } from '../output.ts';

const UNDEFINED_TABLE = '42P01';

function verifyCommand(): Command {
  return new Command('verify')
    .description(
      'Verify the hash chain of the audit trail: exit 0 when intact, 1 when an entry was edited, deleted, ' +
        'inserted or reordered (2 when it cannot read it). Reads the database of JIVS_DATABASE_WRITE; for an ' +
        'embedded-mode service, point it at the embedded PostgreSQL while the service runs.',
    )
    .option('--json', 'machine-readable result on stdout')
    .action(async (opts: { json?: boolean }) => {
      const out = createOutput(Boolean(opts.json));
      let dsn: string | undefined;
      try {
        dsn = loadConfig(process.env).database.write;
      } catch (e) {
        if (!isConfigError(e)) throw e;
        out.error(e.message);
        process.exitCode = 2;
        return;
      }
      if (!dsn) {
        out.error(
          'set JIVS_DATABASE_WRITE to the DSN of the JiVS database to verify. For an embedded-mode service, start it ' +
            '(jivs start) and use postgres://jivs:<password>@127.0.0.1:<JIVS_EMBEDDED_PORT, default 54329>/jivs with the ' +
            'password in <data dir>/secrets/postgres-superuser-password, or call GET /api/v1/audit/verify',
        );
        process.exitCode = 2;
        return;
      }
      const client = new pg.Client({ connectionString: dsn, application_name: 'jivs:audit-verify' });
      try {
        await client.connect();
        out.step('verifying the audit trail');
        const result = await verifyChain(client);
        const human = result.valid
          ? `audit trail intact: ${result.entries} entries` +
            (result.lastSeq === undefined ? '' : `; last entry ${result.lastSeq}, hash ${result.lastHash}`)
          : `audit trail BROKEN at entry ${result.firstBrokenSeq}: ${result.problem} (${result.entries} entries intact before it)`;
        out.result(human, { ...result });
        process.exitCode = result.valid ? 0 : 1;
      } catch (e) {
        const missing = (e as { code?: string }).code === UNDEFINED_TABLE;
        out.error(
          missing
            ? 'this database has no audit trail (table audit_log); is JIVS_DATABASE_WRITE the JiVS database?'
            : `could not read the audit trail from JIVS_DATABASE_WRITE: ${(e as Error).message}`,
        );
        process.exitCode = 2;
      } finally {
        await client.end().catch(() => undefined);
      }
    });
}

/** `jivs audit ...`: commands for auditors. */
export function auditCommand(): Command {
  return new Command('audit').description('Audit trail commands').addCommand(verifyCommand());
}
