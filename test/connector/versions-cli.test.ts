// `dropcron versions` and `dropcron restore` through the compiled CLI against the sandbox:
// a signed-in connection, a file with three versions, a roll-back and an undelete.
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorld, writeCliConfig, type World } from '../auth/harness.ts';
import { CLI } from '../helpers/cli.ts';

let w: World;
let cfg: string;

beforeAll(async () => {
  w = await startWorld();
  await w.signIn(w.def());
  cfg = await writeCliConfig(w, { name: 'work' });
});
afterAll(() => w?.close());

function dropcron(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, '--config', cfg, ...args], { timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('dropcron versions / restore', () => {
  it('lists versions newest first and rolls one back, saying what it did', async () => {
    const revs: string[] = [];
    for (const text of ['first draft', 'second draft', 'final'])
      revs.push(((await w.emu.files.put('sandy', '/Reports/q3.txt', text)) as { rev: string }).rev);
    const listed = await dropcron('versions', 'work', '/Reports/q3.txt');
    expect(listed).toMatchObject({ code: 0, stderr: '' });
    const lines = listed.stdout.trim().split('\n');
    expect(lines[0]).toBe('/Reports/q3.txt (current): 3 versions, newest first');
    expect(lines.slice(2, 5).map((l) => l.split(/\s+/)[l.startsWith('*') ? 1 : 1])).toEqual([...revs].reverse());
    expect(lines[2]).toMatch(/^\* /);
    expect(lines[4]).toMatch(/ 11 B {2}[0-9a-f]{12}$/);
    expect(lines[5]).toBe('restore one with: dropcron restore work "/Reports/q3.txt" --rev <REV>');

    const restored = await dropcron('restore', 'work', '/Reports/q3.txt', '--rev', revs[0]!);
    expect(restored).toMatchObject({ code: 0, stderr: '' });
    expect(restored.stdout).toMatch(
      new RegExp(
        `^restored /Reports/q3\\.txt to version ${revs[0]}: it is now version [0-9a-f]{9,} \\(11 B, written .+ UTC\\)\\n$`,
      ),
    );
    expect((await w.emu.files.get('sandy', '/Reports/q3.txt'))!.toString()).toBe('first draft');

    const json = JSON.parse((await dropcron('versions', 'work', '/Reports/q3.txt', '--json', '--limit', '2')).stdout);
    expect(json.isDeleted).toBe(false);
    expect(json.entries).toHaveLength(2);
    expect(json.entries[1].rev).toBe(revs[2]);
  });

  it('brings a deleted file back', async () => {
    const v = (await w.emu.files.put('sandy', '/gone.txt', 'keep me')) as { rev: string };
    const token = w.emu.issueToken().accessToken;
    const del = await fetch(`${w.emu.url}/2/files/delete_v2`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ path: '/gone.txt' }),
    });
    expect(del.status).toBe(200);
    const listed = await dropcron('versions', 'work', '/gone.txt');
    expect(listed.stdout).toMatch(
      /^\/gone\.txt \(deleted \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\): 1 version, newest first\n/,
    );
    expect(listed.stdout).not.toMatch(/^\* /m);
    expect((await dropcron('restore', 'work', '/gone.txt', '--rev', v.rev)).code).toBe(0);
    expect((await w.emu.files.get('sandy', '/gone.txt'))!.toString()).toBe('keep me');
  });

  it('refuses bad input before calling Dropbox and reports Dropbox’s refusals', async () => {
    const noRev = await dropcron('restore', 'work', '/Reports/q3.txt');
    expect(noRev.code).not.toBe(0);
    expect(noRev.stderr).toMatch(/--rev needs a revision id/);
    const missing = await dropcron('versions', 'work', '/nothing/here.txt');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/"\/nothing\/here.txt" not found/);
    const wrongRev = await dropcron('restore', 'work', '/Reports/q3.txt', '--rev', 'abcdef0123456');
    expect(wrongRev.code).not.toBe(0);
    expect(wrongRev.stderr).toMatch(/invalid_revision/);
  });
});
