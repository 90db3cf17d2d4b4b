// What the plugin's index.ts takes from auth: the dropbox ConnectionType's operations
// (the `auth` command is listed in ../commands.ts).
import type { ConnectionType } from '../../../src/plugin.ts';
import type { DropboxClient } from '../api/types.ts';
import { authorizer } from './authorizer.ts';
import {
  openConnection,
  connectionStatus,
  testConnection,
  disconnectConnection,
  browseConnection,
} from './connection-ops.ts';
import { setSandboxAutoAuthorise } from './token-provider.ts';
import { authoriseInSandbox } from './sandbox-consent.ts';

setSandboxAutoAuthorise(authoriseInSandbox);

export const dropboxConnectionOps: Pick<
  ConnectionType<DropboxClient>,
  'open' | 'status' | 'authorize' | 'test' | 'disconnect' | 'browse'
> = {
  open: openConnection,
  status: connectionStatus,
  authorize: authorizer,
  test: testConnection,
  disconnect: disconnectConnection,
  browse: browseConnection,
};
