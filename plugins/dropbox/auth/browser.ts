// Opens the system browser for the CLI flow, when there is one. Returns false when it
// cannot (no opener, or a Linux session without a display), so the caller prints the
// URL instead; never throws.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export function browserCommand(
  url: string,
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
): [string, string[]] | undefined {
  if (platform === 'darwin') return ['open', [url]];
  // `start` is a cmd built-in; the empty "" is the window title it would take from the URL.
  if (platform === 'win32') return ['cmd', ['/c', 'start', '""', url.replace(/&/g, '^&')]];
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return undefined;
  return onPath('xdg-open', env) ? ['xdg-open', [url]] : undefined;
}

export function openBrowser(
  url: string,
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
): Promise<boolean> {
  const cmd = browserCommand(url, platform, env);
  if (!cmd) return Promise.resolve(false);
  return new Promise((resolve) => {
    try {
      const child = spawn(cmd[0], cmd[1], {
        stdio: 'ignore',
        detached: true,
        windowsVerbatimArguments: platform === 'win32',
      });
      child.once('error', () => resolve(false));
      child.once('spawn', () => {
        child.unref();
        resolve(true);
      });
    } catch {
      resolve(false);
    }
  });
}

function onPath(bin: string, env: NodeJS.ProcessEnv): boolean {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, bin), constants.X_OK);
      return true;
    } catch {
      // not here
    }
  }
  return false;
}
