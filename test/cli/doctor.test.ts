// `dropcron doctor` through the compiled command: quiet beside a running daemon on a
// healthy config, and one FAIL line with its fix for each thing broken on purpose.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { tree } from '../config/fixtures.ts';
import { FileRunHistory } from '../../src/store/history.ts';
import { CLI } from '../helpers/cli.ts';
import { freePort } from '../helpers/proxies.ts';
import { runRecord } from '../helpers/run-record.ts';
import { until } from '../helpers/wait.ts';

/** Asynchronous, unlike helpers/cli.ts's dropcron: the test serves HTTP meanwhile. */
function doctor(dir: string): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, 'doctor'], { cwd: dir, timeout: 60_000 }, (err, out, errOut) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out, err: errOut }),
    );
  });
}

/** A past run of `job` in the state's history, through the file store's own writer. */
const pastRun = (state: string, job: string, tasks: { type: string; bytes: number }[]) =>
  new FileRunHistory(state, 10).append(
    runRecord(job, undefined, {
      bytes: tasks.reduce((n, t) => n + t.bytes, 0),
      tasks: tasks.map((t) => ({ ...t, counts: {}, actions: 1, warnings: [] })),
    }),
  );

const base = (port: number) =>
  `plugins: [dropbox]\nsandbox: true\nadmin: { enabled: false }\ndropbox: { sandboxPort: ${port} }\n`;

describe('beside a running daemon, on a healthy config', () => {
  it('passes every check, shares the sandbox and leaves the daemon running', async () => {
    const dir = await tree({
      'config.yaml': base(await freePort()),
      'connections/sandbox.yaml': 'name: sandbox\ntype: dropbox\nsandbox: true\n',
      'jobs/in.yaml':
        'name: in\nschedule: "0 * * * *"\nconnection: sandbox\ntasks:\n  - download: { from: /inbox, to: "./inbox/{date}" }\n',
    });
    const daemon = spawn(process.execPath, [CLI, 'start'], { cwd: dir });
    let log = '';
    daemon.stdout.on('data', (b: Buffer) => (log += b.toString()));
    try {
      await until(() => log.includes('sandbox listening'), 'the daemon to start', 30_000);
      const r = await doctor(dir);
      expect(r.err).toBe('');
      expect(r.out).not.toMatch(/^FAIL/m);
      expect(r.out).toMatch(/^ok {4}connection 'sandbox': the sandbox: http:\/\/127\.0\.0\.1:\d+ answers$/m);
      expect(r.out).toMatch(/^ok {4}connection 'sandbox': clock: within \d+ s/m);
      expect(r.out).toMatch(/^ok {4}job 'in': download target .*\/inbox\/\d{4}-\d\d-\d\d: created at the first run$/m);
      expect(r.out).toMatch(
        /^ok {4}job 'in': disk space for download target .*\/inbox\/\S+: free \d.*; no past run to size it by$/m,
      );
      expect(r.out).toMatch(/all checks passed\n$/);
      expect(r.code).toBe(0);
      expect(daemon.exitCode).toBeNull();
    } finally {
      daemon.kill('SIGTERM');
    }
  });
});

describe('on a config broken on purpose', () => {
  let skewed: Server;
  let dir: string;
  let r: { code: number; out: string; err: string };
  let openKey: typeof r;

  beforeAll(async () => {
    // An API whose clock is an hour behind ours.
    skewed = createServer((_req, res) => {
      res.sendDate = false;
      res.setHeader('Date', new Date(Date.now() - 3_600_000).toUTCString());
      res.end();
    });
    await new Promise<void>((resolve) => skewed.listen(0, '127.0.0.1', resolve));
    const skewedApi = `http://127.0.0.1:${(skewed.address() as { port: number }).port}`;
    const [closedProxy, closedApi] = [await freePort(), await freePort()];
    dir = await tree({
      'config.yaml': base(await freePort()),
      'connections/narrow.yaml':
        'name: narrow\ntype: dropbox\nsandbox: true\nscopes: [account_info.read, files.metadata.read]\n',
      'connections/proxied.yaml': `name: proxied\ntype: dropbox\nsandbox: true\nproxy: { type: http, host: 127.0.0.1, port: ${closedProxy} }\n`,
      'connections/offline.yaml': `name: offline\ntype: dropbox\nendpoints: { api: "http://127.0.0.1:${closedApi}" }\n`,
      'connections/skewed.yaml': `name: skewed\ntype: dropbox\nendpoints: { api: "${skewedApi}" }\n`,
      'jobs/up.yaml':
        'name: up\nschedule: "0 * * * *"\nconnection: narrow\ntasks:\n  - upload: { from: ./missing, to: /up, link: { shared: {} } }\n',
      'jobs/down.yaml':
        'name: down\nschedule: "0 * * * *"\nconnection: skewed\ntasks:\n  - download: { from: /x, to: ./afile/sub }\n',
      // Their past runs: one larger than any disk, one small.
      'jobs/huge.yaml':
        'name: huge\nschedule: "0 * * * *"\nconnection: skewed\ntasks:\n  - list: { path: /x }\n  - download: { from: /x, to: ./big }\n',
      'jobs/small.yaml':
        'name: small\nschedule: "0 * * * *"\nconnection: skewed\ntasks:\n  - sync: { direction: down, local: ./mirror, remote: /m }\n',
      'jobs/broken.yaml': 'name: broken\nschedule: "0 * * *"\n',
      afile: 'not a folder\n',
    });
    // A state directory others can read; then, for a second run, the master key too.
    await mkdir(join(dir, 'state'));
    await chmod(join(dir, 'state'), 0o755);
    await pastRun(join(dir, 'state'), 'huge', [
      { type: 'list', bytes: 0 },
      { type: 'download', bytes: 2 ** 60 },
    ]);
    await pastRun(join(dir, 'state'), 'small', [{ type: 'sync', bytes: 1000 }]);
    const key = join(dir, 'state', 'master.key');
    await writeFile(key, Buffer.alloc(32, 7).toString('base64') + '\n', { mode: 0o600 });
    r = await doctor(dir);
    await chmod(key, 0o644);
    openKey = await doctor(dir);
  });
  afterAll(() => new Promise((resolve) => skewed.close(resolve)));

  const line = (re: RegExp) =>
    expect(
      r.out.split('\n').filter((l) => re.test(l)),
      String(re),
    ).toHaveLength(1);

  it('exits 1 and counts what is wrong', () => {
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^\d+ problems found\n$/m);
  });
  it('names an invalid file and how to see every problem', () =>
    line(
      /^FAIL {2}config: \d+ problems?, the first: jobs\/broken\.yaml.*; fix: dropcron --config \S+ validate lists them all$/,
    ));
  it('flags a state directory and a key that others can read', () => {
    line(/^FAIL {2}state directory: .*state is open to other users \(mode 755\).*; fix: chmod 700 .*state$/);
    line(/^ok {4}master key: from .*master\.key/);
    const keyLines = openKey.out.split('\n').filter((l) => l.includes('master.key'));
    // Once, not again for every connection whose grant it would open.
    expect(keyLines).toEqual([
      expect.stringMatching(
        /^FAIL {2}master key: .*master\.key is readable by others \(mode 644\); fix: chmod 600 .*master\.key$/,
      ),
    ]);
    expect(openKey.code).toBe(1);
  });
  it('flags a connection that is not signed in', () =>
    line(/^FAIL {2}connection 'offline': (needs-authorisation|error).*; fix: sign it in: dropcron auth offline/));
  it('flags scopes too narrow for the tasks of its jobs', () =>
    line(
      /^FAIL {2}connection 'narrow': scopes: the connection lacks files\.content\.write \(jobs up\), sharing\.write \(jobs up\); fix: add files\.content\.write sharing\.write to scopes: in .*narrow\.yaml/,
    ));
  it('flags a proxy that does not answer, and the service behind it', () => {
    line(
      /^FAIL {2}connection 'proxied': proxy: http proxy 127\.0\.0\.1:\d+ cannot be reached \(ECONNREFUSED\); fix: start the proxy/,
    );
    line(
      /^FAIL {2}connection 'proxied': the sandbox: http:\S+ cannot be reached through the proxy: .*; fix: check that the proxy is up/,
    );
  });
  it('flags a service that does not answer', () =>
    line(
      /^FAIL {2}connection 'offline': Dropbox: http:\/\/127\.0\.0\.1:\d+ cannot be reached: .*; fix: check the network/,
    ));
  it("flags a clock an hour off the service's", () =>
    line(
      /^FAIL {2}connection 'skewed': clock: this machine's clock is 360[01] s ahead of http:\S+ .*; fix: sync the clock with NTP/,
    ));
  it("flags a job's missing source folder and a target that cannot be a folder", () => {
    line(
      /^FAIL {2}job 'up': upload source .*\/missing: does not exist; fix: create .*\/missing or change the job's path$/,
    );
    line(/^FAIL {2}job 'down': download target .*\/afile\/sub: .*\/afile is not a folder; fix: /);
  });
  it("flags a download target whose disk cannot hold the job's largest past run", () => {
    line(
      /^FAIL {2}job 'huge': disk space for download target .*\/big: free \d[^,]*, but the largest past run moved 1048576 TiB; fix: free \d.* on that disk, or move the target to a larger one$/,
    );
    line(/^ok {4}job 'small': sync target .*\/mirror: created at the first run$/);
    line(/^ok {4}job 'small': disk space for sync target .*\/mirror: free \d[^,]*, the largest past run moved 1000 B$/);
    expect(r.out).not.toMatch(/^FAIL {2}job '(small|down)': disk space/m);
  });
});
