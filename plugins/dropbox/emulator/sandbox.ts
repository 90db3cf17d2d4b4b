// `sandbox: true` in config.yaml: the daemon starts the emulator beside itself.
import { dirname, resolve } from 'node:path';
import { request } from 'undici';
import type { Sandbox, Services } from '../../../src/plugin.ts';
import { startEmulator } from './index.ts';
import { SANDBOX_SERVER } from './server.ts';

/** config.yaml's `dropbox:` after loading: the schema's defaults are filled in. */
interface DropboxSection {
  appKey?: string;
  sandboxPort: number;
  sandboxData?: string;
}

export async function startSandbox(services: Services): Promise<Sandbox> {
  const section = services.config.dropbox as DropboxSection;
  const log = services.log.child({ part: 'dropbox-sandbox' });
  const port = section.sandboxPort;
  try {
    const emulator = await startEmulator({
      port,
      // Relative to config.yaml's folder, like every other path in it.
      dataDir: section.sandboxData ? resolve(dirname(services.config.file), section.sandboxData) : undefined,
      log: (line) => log.debug(line),
    });
    // The admin UI signs connections in through a popup that returns to its own
    // /oauth2/callback; register that address, whatever admin port is configured.
    const admin = services.config.admin;
    const hosts =
      admin.host === '0.0.0.0' || admin.host === '::'
        ? ['127.0.0.1', 'localhost']
        : [admin.host.includes(':') ? `[${admin.host}]` : admin.host];
    for (const app of emulator.seed.apps) {
      for (const host of hosts) emulator.registerRedirectUri(app.key, `http://${host}:${admin.port}/oauth2/callback`);
    }
    return { url: emulator.url, close: () => emulator.close() };
  } catch (err) {
    // `dropcron run <job>` while the daemon runs: share the daemon's sandbox (and so
    // its files and the grants in the shared state directory) instead of failing.
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    const url = `http://127.0.0.1:${port}`;
    if (!(await isSandbox(url))) {
      throw new Error(
        `port ${port} (dropbox.sandboxPort) is used by another program; choose another port in config.yaml`,
        { cause: err },
      );
    }
    return { url, shared: true, close: async () => {} };
  }
}

async function isSandbox(url: string): Promise<boolean> {
  try {
    const res = await request(`${url}/2/check/user`, { method: 'POST', headersTimeout: 3000, bodyTimeout: 3000 });
    await res.body.dump();
    return res.headers.server === SANDBOX_SERVER;
  } catch {
    return false;
  }
}
