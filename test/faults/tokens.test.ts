// Tokens failing under a transfer: the access token expiring in the middle of a job,
// again and again, must cost one refresh each and nothing else; a revoked refresh token
// must end the run at once, mark the connection "needs re-authorisation" and cause no
// storm of token calls.
import { afterEach, beforeEach, describe as suite, it } from 'vitest';
import { join } from 'node:path';
import { connectionStatus } from '../../plugins/dropbox/auth/connection-ops.ts';
import type { Progress } from '../../src/plugin.ts';
import { compare, complete, describe, localHashes, remoteHashes, settle } from './checks.ts';
import { outcomeOf, sampleFiles, startFaultWorld, writeTree, type FaultWorld } from './harness.ts';

const MiB = 1024 * 1024;
let w: FaultWorld;
beforeEach(async () => {
  w = await startFaultWorld();
  // Slow enough that a 70 MiB file is still moving when the token goes bad.
  w.emu.faults.set({ bandwidthBytesPerSec: 32 * MiB });
});
afterEach(async () => w?.close());

/** Calls `act` once, the first time a progress report of `item` passes `bytes`. */
function when(item: string, bytes: number, act: () => void) {
  let done = false;
  return (p: Progress) => {
    if (done || !p.item.endsWith(item) || p.done < bytes) return;
    done = true;
    act();
  };
}

suite('tokens', () => {
  it('the access token expires mid-upload twice in a row, and again mid-download', async () => {
    const src = await writeTree(join(w.dir, 'src'), sampleFiles(30, { 'big.bin': 70 }));
    const back = join(w.dir, 'back');
    const expiries: string[] = [];
    const expire = (where: string) => () => {
      w.emu.expireAccessTokens();
      expiries.push(where);
    };
    const triggers = {
      upload: [when('big.bin', 10 * MiB, expire('upload 10 MiB')), when('big.bin', 40 * MiB, expire('upload 40 MiB'))],
      download: [when('big.bin', 10 * MiB, expire('download 10 MiB'))],
    };
    const tokensBefore = w.tokenCalls();
    const res = await w.runJob(
      [
        { upload: { from: src, to: '/expiring', recursive: true } },
        { download: { from: '/expiring', to: back, recursive: true } },
        // The download's expiry may come during its last file's body, already authorised:
        // a call after it must meet the expired token (and refresh once).
        { list: { path: '/expiring', recursive: true } },
      ],
      {
        onProgress: (task, p) => {
          for (const t of triggers[task as keyof typeof triggers] ?? []) t(p);
        },
      },
    );
    const refreshes = w.tokenCalls() - tokensBefore;
    const want = await localHashes(src);
    const up = await compare(w, want, await remoteHashes(w, '/expiring'));
    const down = await compare(w, want, await localHashes(back));
    settle(
      {
        fault: 'access token expired mid-transfer, 3 times (2 in a row)',
        outcome: outcomeOf(res, [`${refreshes} refreshes`]),
        checked: `up: ${describe(up)}; down: ${describe(down, 'with the source')}`,
      },
      {
        'all three expiries happened': expiries.length === 3,
        'one refresh per expiry': refreshes === 3,
        'run succeeded': res.record.outcome === 'success',
        ...complete(up),
        ...complete(down),
      },
    );
  }, 60_000);

  it('the refresh token is revoked mid-upload', async () => {
    // Small files only: each goes up in a call of its own within one batch, the way a
    // backup of many files runs, and the way the revocation was once never noticed.
    const src = await writeTree(join(w.dir, 'src'), sampleFiles(100));
    let revokedAt: number | undefined;
    let tokensAtRevoke = 0;
    const revoke = () => {
      tokensAtRevoke = w.tokenCalls();
      revokedAt = w.emu.requests.length;
      w.emu.revokeAll();
    };
    const res = await w.runJob([{ upload: { from: src, to: '/revoked', recursive: true } }], {
      onProgress: (_task, p) => {
        if (revokedAt === undefined && p.item.endsWith('f010.txt')) revoke();
      },
    });
    const tokenCalls = w.tokenCalls() - tokensAtRevoke;
    const after = w.emu.requests.slice(revokedAt ?? 0).filter((r) => r.route !== 'oauth2/token').length;
    const status = await connectionStatus(w.conn, w.services);
    // What did arrive must be whole: each file there is hash-equal to its source.
    const there = await remoteHashes(w, '/revoked');
    const sent = await localHashes(src);
    const intact = [...there].every(([rel, h]) => sent.get(rel) === h);
    settle(
      {
        fault: 'refresh token revoked mid-upload',
        outcome: `${outcomeOf(res)}, connection ${status.state}, ${tokenCalls} token call(s) and ${after} API calls after`,
        checked: `${there.size}/${sent.size} files committed before it, ${intact ? 'each hash-equal' : 'SOME DIFFERENT'}`,
      },
      {
        'revoked during the run': revokedAt !== undefined,
        'run failed as needing re-authorisation':
          res.record.outcome === 'failed' && /needs re-authorisation.*dropcron auth/.test(res.record.error ?? ''),
        'not retried by the scheduler': res.record.kind !== 'transient',
        'connection needs re-authorisation': status.state === 'needs-reauthorisation',
        'one token call': tokenCalls === 1,
        // Each file that had not gone yet is tried once (its call answers 401 at once), never more.
        'no API call storm': after <= sent.size,
        'what arrived is intact': intact,
      },
    );
  }, 60_000);
});
