// The scheduler as a part of the daemon: in-process wiring, and a real
// `dropcron start` child process that stops cleanly on SIGTERM.
import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { configTree, createTestPlugin, jobYaml } from '../helpers/test-plugin.ts';
import { startDaemon } from '../../src/daemon.ts';
import { captureLogger } from './harness.ts';
import { until } from '../helpers/wait.ts';
import { CLI } from '../helpers/cli.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('daemon', () => {
  it('exposes the scheduler, runs jobs through it, and stops it', async () => {
    const { configFile } = await configTree(
      { 'jobs/a.yaml': jobYaml('a', '0 0 1 1 *', '  - emit: { items: [] }\n') },
      'admin: { enabled: false }\n',
    );
    const { registry, state } = createTestPlugin();
    const { log } = captureLogger();
    const daemon = await startDaemon(configFile, { registry, log, env: {} });
    try {
      const ended: string[] = [];
      daemon.scheduler.events.on('run:end', (e) => ended.push(`${e.run.job}:${e.run.outcome}`));
      const id = daemon.scheduler.runNow('a');
      await until(() => ended.length === 1, 'the run');
      expect(ended).toEqual(['a:success']);
      expect((await daemon.scheduler.history.list('a'))[0]!.id).toBe(id);
      expect(daemon.scheduler.health()).toMatchObject({
        jobs: [{ name: 'a', lastOutcome: 'success', running: false }],
      });
    } finally {
      await daemon.stop('test');
    }
    expect(state.closed).toBe(1);
    expect(() => daemon.scheduler.runNow('a')).toThrow('shutting down');
  });

  it('`dropcron start` exits 0 on SIGTERM within 5 s', async () => {
    const { configFile } = await configTree(
      {},
      'plugins: [dropbox]\nsandbox: false\nadmin: { enabled: false }\nlogLevel: info\n',
    );
    const child = spawn(process.execPath, [CLI, 'start', '--config', configFile], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      await until(() => out.includes('dropcron started') || child.exitCode !== null, 'the daemon to start', 30_000);
      expect(err).toBe('');
      expect(out).toContain('scheduler started');
      child.kill('SIGTERM');
      const code = await Promise.race([
        exited,
        new Promise<string>((r) => setTimeout(() => r('still running after 5 s'), 5_000)),
      ]);
      expect(code).toBe(0);
      expect(out).toContain('dropcron stopped');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
