import { Command } from 'commander';
import { configLeaves, isConfigError, loadConfig } from '../../config/load.ts';
import { configSchema } from '../../config/schema.ts';
import { maskValue } from '../../observability/masking.ts';
import { createOutput } from '../output.ts';

function valueAt(config: unknown, path: string[]): unknown {
  return path.reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], config);
}

export function configCommand(): Command {
  return new Command('config')
    .description('Validate and show the effective configuration (secrets masked), or list every setting')
    .option('--reference', 'list every setting: environment variable, path and default')
    .option('--json', 'machine-readable output')
    .action((opts: { reference?: boolean; json?: boolean }) => {
      const out = createOutput(Boolean(opts.json));
      if (opts.reference) {
        const defaults = configSchema.parse({});
        const rows = configLeaves().map((leaf) => ({
          env: leaf.env,
          path: leaf.path.join('.'),
          default: valueAt(defaults, leaf.path) ?? null,
        }));
        out.result(rows.map((r) => `${r.env.padEnd(44)} ${JSON.stringify(r.default)}`).join('\n'), { settings: rows });
        return;
      }
      try {
        const config = loadConfig();
        out.result(JSON.stringify(maskValue(config), null, 2), { config: maskValue(config) });
      } catch (e) {
        if (!isConfigError(e)) throw e;
        out.error(e.message);
        process.exitCode = 2;
      }
    });
}
