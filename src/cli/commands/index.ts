import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { registerAccessCommands } from './access-command.js';
import { registerAdminCommands } from './admin-command.js';
import { registerCatalogCommands } from './catalog-command.js';
import { registerDiffCommand } from './diff-command.js';
import { registerExportDataCommand } from './export-data-command.js';
import { registerPolicyCommands } from './policy-command.js';
import { registerVersionsCommands } from './versions-command.js';
import { registerInitCommand } from './init-command.js';
import { registerIncidentCommands } from './incident-command.js';
import { registerPublishCommand } from './publish-command.js';
import { registerQueryCommand } from './query-command.js';
import { registerRunCommand } from './run-command.js';
import { registerRunsCommand } from './runs-command.js';
import { registerServeCommand } from './serve-command.js';
import { registerSlaCommand } from './sla-command.js';
import { registerStandardsCommands } from './standards-command.js';
import { registerTeamCommands } from './team-command.js';
import { registerTokenCommands } from './token-command.js';
import { registerValidateCommand } from './validate-command.js';
import { registerWebhookCommands } from './webhook-command.js';
import { registerWorkerCommand } from './worker-command.js';

/** Every command, in the order of the flow. New commands add one line here. */
export function registerCommands(program: Command, ctx: CliContext): void {
  registerInitCommand(program, ctx);
  registerValidateCommand(program, ctx);
  registerPublishCommand(program, ctx);
  registerPolicyCommands(program, ctx);
  registerDiffCommand(program, ctx);
  registerVersionsCommands(program, ctx);
  registerCatalogCommands(program, ctx);
  registerRunCommand(program, ctx);
  registerRunsCommand(program, ctx);
  registerServeCommand(program, ctx);
  registerWorkerCommand(program, ctx);
  registerAdminCommands(program, ctx);
  registerTeamCommands(program, ctx);
  registerTokenCommands(program, ctx);
  registerWebhookCommands(program, ctx);
  registerSlaCommand(program, ctx);
  registerIncidentCommands(program, ctx);
  registerAccessCommands(program, ctx);
  registerExportDataCommand(program, ctx);
  registerQueryCommand(program, ctx);
  registerStandardsCommands(program, ctx);
}
