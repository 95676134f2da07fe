/** The CLI as a child process straight from source (`node --import tsx test/helpers/mesh-cli.ts …`), for tests that kill it. */
import { runCli } from '../../src/cli/main.js';

process.exitCode = await runCli(process.argv.slice(2));
