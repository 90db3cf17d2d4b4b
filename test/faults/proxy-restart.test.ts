// The connection's proxy (a real tinyproxy) killed while a job runs through it and
// started again on the same port a second later. A proxy that refuses connections is
// retried like any refused connection, so a restart within the retries (about half a
// minute) costs a pause, not a failed run; one down for longer fails the files it
// stopped, naming the proxy, and the next run sends only those.
import { afterAll, beforeAll, describe as suite, it } from 'vitest';
import { join } from 'node:path';
import { startTinyproxy, type RunningProxy } from '../helpers/proxies.ts';
import { compare, complete, describe, localHashes, remoteHashes, settle } from './checks.ts';
import { outcomeOf, sampleFiles, startFaultWorld, writeTree, type FaultWorld } from './harness.ts';

const MiB = 1024 * 1024;

suite('proxy killed and restarted mid-job', () => {
  let proxy: RunningProxy;
  let w: FaultWorld;
  beforeAll(async () => {
    proxy = await startTinyproxy();
    const { host, port, username, password } = proxy;
    w = await startFaultWorld({ connection: { proxy: { type: 'http', host, port, username, password } } });
  });
  afterAll(async () => {
    await w?.close();
    await proxy?.stop();
  });

  it('an upload through tinyproxy while it is killed and started again', async () => {
    const src = await writeTree(join(w.dir, 'via-proxy'), sampleFiles(30, { 'big.bin': 40 }));
    w.emu.faults.set({ bandwidthBytesPerSec: 8 * MiB });
    let outage: Promise<void> | undefined;
    let res;
    try {
      res = await w.runJob([{ upload: { from: src, to: '/via-proxy', recursive: true } }], {
        onProgress: (_task, p) => {
          if (outage || !p.item.endsWith('big.bin') || p.done < 8 * MiB) return;
          outage = (async () => {
            await proxy.stop();
            await new Promise((r) => setTimeout(r, 1000));
            proxy = await startTinyproxy({ ...proxy });
          })();
        },
      });
    } finally {
      w.emu.faults.set({ bandwidthBytesPerSec: 0 });
    }
    await outage;
    const c = await compare(w, await localHashes(src), await remoteHashes(w, '/via-proxy'));
    settle(
      {
        fault: 'tinyproxy killed mid-upload, back after 1 s',
        outcome: outcomeOf(res),
        checked: describe(c),
      },
      {
        'the proxy went down during the run': outage !== undefined,
        'run succeeded': res.record.outcome === 'success',
        ...complete(c),
      },
    );
  }, 90_000);
});
