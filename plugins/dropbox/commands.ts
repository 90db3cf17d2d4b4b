// The plugin's CLI commands, apart from index.ts so that `dropcron --help` lists them
// without loading the connector or the sandbox: keep this module and the command modules
// light (a command's run imports what it needs).
import type { CliCommand } from '../../src/plugin.ts';
import { authCommand } from './auth/command.ts';
import { emulatorCommand } from './emulator/command.ts';
import { restoreCommand, versionsCommand } from './versions/command.ts';

const commands: CliCommand[] = [authCommand, emulatorCommand, versionsCommand, restoreCommand];
export default commands;
