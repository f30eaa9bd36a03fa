import { Command } from 'commander';
import { auditCommand } from './commands/audit.ts';
import { clusterCommand } from './commands/cluster.ts';
import { configCommand } from './commands/config.ts';
import { doctorCommand } from './commands/doctor.ts';
import { startCommand } from './commands/start.ts';

const program = new Command('jivs')
  .description('JiVS Platform: extract, archive, migrate and govern data, with no single point of failure')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)');

program.addCommand(startCommand());
program.addCommand(configCommand());
program.addCommand(doctorCommand());
program.addCommand(clusterCommand());
program.addCommand(auditCommand());

await program.parseAsync(process.argv);
