// Which config file a command reads, and where its state lives by default. Apart from the
// loader so that the CLI can find it (for the plugin names `dropcron --help` lists)
// without loading ajv and the schemas.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export interface Locations {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** The system's configuration root; tests point it elsewhere. */
  etc?: string;
}

/** $XDG_CONFIG_HOME/dropcron, or ~/.config/dropcron: the user's own config folder. */
export function userConfigDir(env: Record<string, string | undefined> = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'dropcron');
}

/**
 * Where a config file is looked for, in order: DROPCRON_CONFIG, ./config.yaml, the user's
 * config folder, /etc/dropcron; last ./config.example.yaml, so that `npm start` in a clone
 * of the repository runs its examples.
 */
export function configCandidates({ cwd = process.cwd(), env = process.env, etc = '/etc' }: Locations = {}): string[] {
  return [
    ...(env.DROPCRON_CONFIG ? [resolve(cwd, env.DROPCRON_CONFIG)] : []),
    resolve(cwd, 'config.yaml'),
    join(userConfigDir(env), 'config.yaml'),
    join(etc, 'dropcron', 'config.yaml'),
    resolve(cwd, 'config.example.yaml'),
  ];
}

/**
 * `--config FILE`, else the first candidate that exists. DROPCRON_CONFIG is taken as
 * given, like --config: a missing file it names is an error, not a reason to look on.
 */
export function findConfigFile(explicit?: string, where: Locations = {}): string | undefined {
  if (explicit) return resolve(where.cwd ?? process.cwd(), explicit);
  const candidates = configCandidates(where);
  if ((where.env ?? process.env).DROPCRON_CONFIG) return candidates[0];
  return candidates.find((f) => existsSync(f));
}

/** findConfigFile, or an error that says where it looked and how to make one. */
export function resolveConfigFile(explicit?: string, cwd = process.cwd()): string {
  const found = findConfigFile(explicit, { cwd });
  if (found) return found;
  const looked = configCandidates({ cwd }).slice(0, -1);
  throw new Error(
    `no config file (looked for ${looked.join(', ')}); write one with dropcron init, or name it with --config FILE or DROPCRON_CONFIG`,
  );
}

/**
 * The state directory when config.yaml names none: beside the config in a project
 * folder (./state); $XDG_STATE_HOME/dropcron (~/.local/state) for the user's config
 * folder; /var/lib/dropcron for a config under /etc, where systemd's StateDirectory=
 * puts it (deploy/dropcron.service).
 */
export function defaultStateDir(configFile: string, { env = process.env, etc = '/etc' }: Locations = {}): string {
  const dir = dirname(resolve(configFile));
  if (dir === userConfigDir(env)) return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'dropcron');
  if (dir === etc || dir.startsWith(`${etc}/`)) return '/var/lib/dropcron';
  return join(dir, 'state');
}
