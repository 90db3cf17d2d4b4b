// deploy/dropcron.service: systemd accepts every line of it (systemd-analyze verify, which
// exits 0 on an unknown key or a bad value but says so on stderr), and it agrees with
// what dropcron decides itself: where the config and the state live, how long SIGTERM
// may take.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import configSchema from '../../src/config/schemas/config.schema.json' with { type: 'json' };
import { configCandidates, defaultStateDir } from '../../src/config/config-file.ts';
import { CLI } from '../helpers/cli.ts';

const unitFile = fileURLToPath(new URL('../../deploy/dropcron.service', import.meta.url));
const unit = readFileSync(unitFile, 'utf8');
const EXEC = '/usr/local/bin/dropcron';

/** Every value of `key` in the unit (comments are not keys). */
const values = (key: string) => [...unit.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]!.trim());
const one = (key: string) => {
  const v = values(key);
  expect(v, key).toHaveLength(1);
  return v[0]!;
};

describe('deploy/dropcron.service', () => {
  it('passes systemd-analyze verify without a warning', async () => {
    // verify insists that ExecStart's program exists: point it at the compiled command
    // (run by node) instead of where npm install -g puts it on a server.
    expect(unit).toContain(`ExecStart=${EXEC} `);
    const dir = await mkdtemp(join(tmpdir(), 'dropcron-unit-'));
    const copy = join(dir, 'dropcron.service');
    await writeFile(copy, unit.replace(`ExecStart=${EXEC} `, `ExecStart=${process.execPath} ${CLI} `));
    const r = spawnSync('systemd-analyze', ['verify', copy], { encoding: 'utf8' });
    expect(r.error, 'systemd-analyze (the systemd package; .ci/run installs it)').toBeUndefined();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('runs as its own user, hardened, restarting on failure', () => {
    expect(one('User')).toBe('dropcron');
    expect(one('Restart')).toBe('on-failure');
    for (const [key, value] of [
      ['NoNewPrivileges', 'yes'],
      ['ProtectSystem', 'strict'],
      ['ProtectHome', 'yes'],
      ['PrivateTmp', 'yes'],
    ])
      expect(one(key!), key).toBe(value);
    // Download targets are the operator's to add: shown, commented, where it says why.
    expect(unit).toMatch(/^# ReadWritePaths=\S+/m);
  });

  it('reads the config where dropcron looks for it and keeps the state where dropcron puts it', () => {
    const dir = one('ConfigurationDirectory');
    const config = `/etc/${dir}/config.yaml`;
    expect(one('ExecStart')).toBe(`${EXEC} start --config ${config}`);
    expect(configCandidates({ env: {} })).toContain(config);
    expect(defaultStateDir(config)).toBe(`/var/lib/${one('StateDirectory')}`);
  });

  it('gives SIGTERM more time than shutdownGraceSeconds', () => {
    const grace = configSchema.properties.shutdownGraceSeconds.default;
    const stop = /^(\d+)s$/.exec(one('TimeoutStopSec'));
    expect(Number(stop?.[1])).toBeGreaterThan(grace);
    expect(one('KillSignal')).toBe('SIGTERM');
  });
});
