// A real daemon on a temp config tree whose `box` connection points at a fresh sandbox
// and is signed in as `dropcron auth` would: for tests of whole runs against Dropbox.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Agent } from 'undici';
import { startEmulator } from '../../plugins/dropbox/emulator/index.ts';
import { createAuthorizer } from '../../plugins/dropbox/auth/authorizer.ts';
import { FlowStore } from '../../plugins/dropbox/auth/flow-state.ts';
import { submitConsent } from '../../plugins/dropbox/auth/sandbox-consent.ts';
import { createLogger } from '../../src/log.ts';
import { startDaemon, type Daemon } from '../../src/daemon.ts';

export interface SandboxDaemon {
  daemon: Daemon;
  emu: Awaited<ReturnType<typeof startEmulator>>;
  dir: string;
  close(): Promise<void>;
}

/** `files`: jobs and data by path in the tree; config.yaml and connections/box.yaml are written here. */
export async function startSandboxDaemon(files: Record<string, string>): Promise<SandboxDaemon> {
  const emu = await startEmulator({ port: 0 });
  const dir = await mkdtemp(join(tmpdir(), 'dropcron-sandbox-daemon-'));
  const endpoints = JSON.stringify({ api: emu.url, content: emu.url, www: emu.url });
  const tree: Record<string, string> = {
    'config.yaml':
      'admin: { port: 0, password: a-long-enough-password }\nstate: ./state\n' +
      'connections: ./connections\njobs: ./jobs\ndropbox: { appKey: dropcron-sandbox }\n',
    'connections/box.yaml': `name: box\ntype: dropbox\naccount: personal\napp: builtin\nendpoints: ${endpoints}\n`,
    ...files,
  };
  await mkdir(join(dir, 'jobs'), { recursive: true });
  for (const [name, text] of Object.entries(tree)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  const daemon = await startDaemon(join(dir, 'config.yaml'), {
    log: createLogger({ level: 'silent', destination: { write() {} } as never }),
    env: {},
  });
  const def = daemon.loaded.connections.find((c) => c.name === 'box')!;
  const auth = createAuthorizer(new FlowStore());
  const { url, state } = await auth.begin(def, daemon.services, { mode: 'paste' });
  const q = await submitConsent(url, new Agent(), { decision: 'allow' });
  await auth.complete(def, daemon.services, { state, code: q.get('code')! });
  return {
    daemon,
    emu,
    dir,
    async close() {
      await daemon.stop('test');
      await emu.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
