import { Command } from 'commander';
import { startApp } from '../../app.ts';
import { isConfigError, loadConfig } from '../../config/load.ts';
import { createLogger } from '../../observability/logger.ts';
import { createOutput } from '../output.ts';

export function startCommand(): Command {
  return new Command('start')
    .description(
      'Start the service. Without JIVS_DATABASE_WRITE it starts its own PostgreSQL (embedded mode) ' +
        'with data under JIVS_DATA_DIR (default ./data). Settings: see README.md.',
    )
    .option('--port <port>', 'HTTP port (overrides JIVS_HTTP_PORT)')
    .option('--data-dir <dir>', 'data directory (overrides JIVS_DATA_DIR)')
    .option('--json', 'machine-readable progress and result lines on stdout')
    .action(async (opts: { port?: string; dataDir?: string; json?: boolean }) => {
      const out = createOutput(Boolean(opts.json));
      let config;
      try {
        config = loadConfig(process.env, {
          ...(opts.port ? { 'http.port': Number(opts.port) } : {}),
          ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
        });
      } catch (e) {
        if (!isConfigError(e)) throw e;
        out.error(e.message);
        process.exit(2);
      }
      const log = createLogger(config.log.level);
      let app;
      try {
        app = await startApp(config, { log, onStep: (s) => out.step(s) });
      } catch (e) {
        out.error((e as Error).message);
        process.exit(1);
      }
      const admin = app.bootstrapAdmin;
      out.result(
        [
          `JiVS is serving ${app.url} (API docs: ${app.url}/docs, OpenAPI: ${app.url}/openapi.json)`,
          ...(admin?.generatedPassword
            ? [`created admin account "${admin.username}" with password: ${admin.generatedPassword}`, 'it is shown only this once; change it with POST /api/v1/auth/password']
            : []),
        ].join('\n'),
        { url: app.url, ...(admin ? { admin } : {}) },
      );
      let signals = 0;
      const shutdown = (signal: string) => {
        if (++signals > 1) {
          out.error(`second ${signal}: exiting without waiting`);
          process.exit(1);
        }
        out.step(`${signal} received: stopping (running jobs checkpoint and hand back)`);
        app.stop().then(
          () => process.exit(0),
          (e: unknown) => {
            out.error(`shutdown failed: ${(e as Error).message}`);
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', () => shutdown('SIGTERM'));
      process.on('SIGINT', () => shutdown('SIGINT'));
    });
}
