// Issue 12 row 4: a run killed with SIGKILL leaves no record of its own; the next start
// records it as interrupted, with the tasks it had finished, once.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configTree, jobYaml } from '../helpers/test-plugin.ts';
import { harness } from './harness.ts';

const child = fileURLToPath(new URL('./fixtures/run-forever.ts', import.meta.url));

describe('a run killed mid-way', () => {
  it('is recorded as interrupted at the next start, with what it had done, once', async () => {
    const tasks = '  - emit: { items: [a, b] }\n  - sleep: { ms: 600000, id: second }\n';
    const { dir, configFile } = await configTree({ 'jobs/long.yaml': jobYaml('long', '0 0 1 1 *', tasks) });
    // One process (the tsx CLI would put a second between us and the run).
    const proc = spawn(process.execPath, ['--import', 'tsx', child, configFile, 'long'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      proc.stdout.on('data', (d: Buffer) => (out += String(d)).includes('running') && resolve());
      proc.once('exit', (code) => reject(new Error(`the child exited (${code}) before its run got going`)));
    });
    // Markers only: a rewrite in flight (task 1 just ended) has its temp file beside them.
    const markers = async () => (await readdir(join(dir, 'state', 'running'))).filter((n) => n.endsWith('.json'));
    expect(await markers()).toHaveLength(1);
    proc.kill('SIGKILL');
    await once(proc, 'exit');

    const h = await harness(configFile);
    try {
      const [run, ...rest] = await h.scheduler.history.list('long');
      expect(rest).toEqual([]);
      expect(run).toMatchObject({
        job: 'long',
        trigger: 'manual',
        outcome: 'interrupted',
        code: 'DC_INTERRUPTED',
        kind: 'transient',
        error: expect.stringMatching(/^the dropcron process \(pid \d+\) stopped before the run ended/),
      });
      // The finished task, with its counts; the one cut short left nothing to report.
      expect(run!.tasks.map((t) => t.type)).toEqual(['emit']);
      expect(run!.tasks[0]!.counts).toEqual({ items: 2 });
      expect(h.lines.some((l) => /was interrupted: recorded as such/.test(String(l.msg)))).toBe(true);
      expect(await markers()).toEqual([]);
    } finally {
      await h.scheduler.stop();
    }
    // A second start finds nothing more to record.
    const again = await harness(configFile);
    try {
      expect(await again.scheduler.history.list('long')).toHaveLength(1);
    } finally {
      await again.scheduler.stop();
    }
  });
});
