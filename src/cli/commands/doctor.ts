import { Command } from 'commander';
import { checkEngines } from '../../ops/doctor.ts';
import { createOutput } from '../output.ts';

export function doctorCommand(): Command {
  return new Command('doctor')
    .description('Check that the engines of the local HA cluster are installed, and say how to add the missing ones')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const out = createOutput(Boolean(opts.json));
      const checks = await checkEngines();
      const missing = checks.filter((c) => !c.present).map((c) => c.pkg);
      const lines = checks.map((c) => `${c.present ? 'ok     ' : 'MISSING'} ${c.pkg.padEnd(16)} ${c.binary}`);
      if (missing.length > 0) {
        lines.push('', 'install what is missing with:', `  apt-get install -y ${missing.join(' ')}`, '(or: bash scripts/install-engines.sh)');
      } else {
        lines.push('', 'every engine is installed');
      }
      out.result(lines.join('\n'), { engines: checks, missing, install: missing.length ? `apt-get install -y ${missing.join(' ')}` : null });
      if (missing.length > 0) process.exitCode = 1;
    });
}
