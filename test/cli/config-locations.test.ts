// Where dropcron finds its config and keeps its state, and `dropcron init`: through the
// compiled command in a throwaway HOME, so the user's own ~/.config is never read.
import { beforeEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configCandidates, defaultStateDir } from '../../src/config/config-file.ts';
import { dropcron } from '../helpers/cli.ts';
import { freePort } from '../helpers/proxies.ts';

let home: string;
let env: Record<string, string | undefined>;
let cwd: string;

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'dropcron-home-'));
  env = {
    HOME: home,
    XDG_CONFIG_HOME: join(home, 'cfg'),
    XDG_STATE_HOME: join(home, 'st'),
    DROPCRON_CONFIG: undefined,
  };
  cwd = join(home, 'elsewhere');
  await mkdir(cwd);
});

/** A config whose (invalid) time zone names it in `validate`'s output. */
async function marked(file: string, mark: string): Promise<void> {
  await mkdir(join(file, '..'), { recursive: true });
  await writeFile(file, `timezone: Bad/${mark}\nplugins: []\n`);
}
const chosen = (args: string[] = [], extra: Record<string, string> = {}) =>
  /Bad\/(\w+)/.exec(dropcron([...args, 'validate'], cwd, { ...env, ...extra }).err)?.[1];

describe('config locations', () => {
  it('are looked at in order: --config, DROPCRON_CONFIG, ./config.yaml, the user folder, /etc', async () => {
    expect(configCandidates({ cwd: '/w', env: { DROPCRON_CONFIG: 'c.yaml', XDG_CONFIG_HOME: '/x' } })).toEqual([
      '/w/c.yaml',
      '/w/config.yaml',
      '/x/dropcron/config.yaml',
      '/etc/dropcron/config.yaml',
      '/w/config.example.yaml',
    ]);
    await marked(join(env.XDG_CONFIG_HOME!, 'dropcron', 'config.yaml'), 'user');
    expect(chosen()).toBe('user');
    await marked(join(cwd, 'config.yaml'), 'here');
    expect(chosen()).toBe('here');
    await marked(join(home, 'env.yaml'), 'env');
    expect(chosen([], { DROPCRON_CONFIG: join(home, 'env.yaml') })).toBe('env');
    await marked(join(home, 'flag.yaml'), 'flag');
    expect(chosen(['--config', join(home, 'flag.yaml')], { DROPCRON_CONFIG: join(home, 'env.yaml') })).toBe('flag');
  });

  it('says where it looked and how to make one when there is none', () => {
    const r = dropcron(['validate'], cwd, env);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`looked for ${join(cwd, 'config.yaml')}, ${join(home, 'cfg/dropcron/config.yaml')}`);
    expect(r.err).toMatch(/write one with dropcron init/);
  });

  it('put the state beside a project, in the state home for the user folder, in /var/lib under /etc', () => {
    expect(defaultStateDir('/srv/project/config.yaml', { env })).toBe('/srv/project/state');
    expect(defaultStateDir(join(home, 'cfg/dropcron/config.yaml'), { env })).toBe(join(home, 'st/dropcron'));
    expect(defaultStateDir('/etc/dropcron/config.yaml', { env })).toBe('/var/lib/dropcron');
    expect(defaultStateDir('/conf/dropcron/config.yaml', { env, etc: '/conf' })).toBe('/var/lib/dropcron');
  });
});

describe('dropcron init', () => {
  it('writes a starter into the user folder that validates and runs from any folder', async () => {
    const r = dropcron(['init'], cwd, env);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const dir = join(home, 'cfg', 'dropcron');
    expect(r.out).toContain(`wrote ${join(dir, 'config.yaml')}\n`);
    const config = await readFile(join(dir, 'config.yaml'), 'utf8');
    expect(config).toMatch(/^# dropcron settings/);
    expect(config).toMatch(/^sandbox: true$/m);
    expect(dropcron(['validate'], cwd, env).out).toBe('ok: 1 connection, 1 job\n');

    // The sandbox on a port of its own: other tests run beside this one.
    await writeFile(join(dir, 'config.yaml'), config.replace('sandboxPort: 8471', `sandboxPort: ${await freePort()}`));
    const run = dropcron(['run', 'backup-config'], cwd, env);
    expect(run.out).toMatch(/^upload: uploaded 2; /m);
    expect(run.code).toBe(0);
    // The job's relative `from` was read from the config's folder, and the state went
    // to the state home, not into the config folder or the working directory.
    expect(existsSync(join(home, 'st', 'dropcron', 'history'))).toBe(true);
    expect(existsSync(join(dir, 'state'))).toBe(false);
    expect(existsSync(join(cwd, 'state'))).toBe(false);
  });

  it('writes into a named folder and refuses to overwrite anything there', async () => {
    const dir = join(home, 'proj');
    expect(dropcron(['init', dir], cwd, env).code).toBe(0);
    await writeFile(join(dir, 'jobs', 'backup-config.yaml'), 'mine\n');
    const again = dropcron(['init', dir], cwd, env);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/^dropcron: not overwriting .*config\.yaml, .*backup-config\.yaml; nothing written\n$/);
    expect(await readFile(join(dir, 'jobs', 'backup-config.yaml'), 'utf8')).toBe('mine\n');
  });
});
