// The Dropbox plugin: registers the `dropbox` connection type, its tasks and commands.
import { dropboxErrors } from './error-codes.ts';
import type { Plugin } from '../../src/plugin.ts';
import { connectionSchema, checkConnection, describeConnection } from './connection.ts';
import { dropboxConnectionOps } from './auth/index.ts';
import { dropboxTasks } from './tasks/index.ts';
import commands from './commands.ts';
import { starter } from './starter.ts';
import { dropboxTrigger } from './watch.ts';

const plugin: Plugin = {
  name: 'dropbox',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    description: 'Settings of the Dropbox plugin.',
    properties: {
      appKey: {
        type: 'string',
        description: "The built-in app's key (public client, PKCE); or DROPCRON_DROPBOX_APP_KEY.",
      },
      sandboxPort: {
        type: 'integer',
        minimum: 0,
        maximum: 65535,
        default: 8471,
        description: 'Port of the bundled sandbox when `sandbox: true`.',
      },
      sandboxData: { type: 'string', description: 'Directory where the sandbox keeps files (default: in memory).' },
    },
  },
  connectionTypes: [
    {
      type: 'dropbox',
      schema: connectionSchema,
      check: checkConnection,
      describe: describeConnection,
      // Loaded when the admin form first asks for a list: nothing at start needs it.
      choices: async (def, name, services, opts) =>
        (await import('./connection-choices.ts')).connectionChoices(def, name, services, opts),
      ...dropboxConnectionOps,
    },
  ],
  taskTypes: dropboxTasks,
  triggerTypes: [dropboxTrigger],
  errors: dropboxErrors,
  commands,
  starter,
  // Loaded by `dropcron doctor` only: its checks make requests (undici) nothing else needs at start.
  doctor: async (ctx) => (await import('./doctor/index.ts')).doctor(ctx),
  // The emulator (and undici's request) loads only when `sandbox: true` starts it: a
  // `dropcron run` against Dropbox never needs it.
  startSandbox: async (services) => (await import('./emulator/sandbox.ts')).startSandbox(services),
};

export default plugin;
