// `sandbox: true` in config.yaml: the daemon starts the emulator beside itself.
import type { Sandbox, Services } from '../../../src/plugin.ts';
import { startEmulator } from './index.ts';

interface DropboxSection {
  appKey?: string;
  sandboxPort?: number;
  sandboxData?: string;
}

export async function startSandbox(services: Services): Promise<Sandbox> {
  const section = (services.config.dropbox ?? {}) as DropboxSection;
  const log = services.log.child({ part: 'dropbox-sandbox' });
  const emulator = await startEmulator({
    port: section.sandboxPort ?? 8471,
    dataDir: section.sandboxData,
    log: (line) => log.debug(line),
  });
  return { url: emulator.url, close: () => emulator.close() };
}
