// Tokens in a cluster: three daemons (three Services, each its own pool and state
// directory, one database) share one connection. Concurrent refreshes on all of them
// make exactly one call to the token endpoint (the others take the token from the
// vault), and a revoked grant found by one daemon fails on every daemon without
// another request.
import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { Agent } from 'undici';
import { createAuthorizer } from '../../plugins/dropbox/auth/authorizer.ts';
import { FlowStore } from '../../plugins/dropbox/auth/flow-state.ts';
import { submitConsent } from '../../plugins/dropbox/auth/sandbox-consent.ts';
import { openConnection } from '../../plugins/dropbox/auth/connection-ops.ts';
import { forgetAccessToken, tokenSourceFor } from '../../plugins/dropbox/auth/token-provider.ts';
import { ACCESS_TOKEN, grantState } from '../../plugins/dropbox/auth/grant.ts';
import { InvalidGrantError } from '../../plugins/dropbox/api/errors.ts';
import type { DaemonConfig } from '../../src/config/types.ts';
import { createServices, type OwnedServices } from '../../src/services.ts';
import { createLogger } from '../../src/log.ts';
import { fillStoredSecrets } from '../../src/config/stored-secrets.ts';
import { tempDir } from '../auth/helpers.ts';
import { startWorld } from '../auth/harness.ts';
import { postgresForFile } from '../helpers/postgres.ts';

const server = postgresForFile();
const CALLS_EACH = 5;

describe('token refresh across daemons', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  it('refreshes once for concurrent calls on three daemons, and a revoke fails on all of them', async () => {
    const url = await server().database();
    // The emulator and the connection's definition (its own services go unused).
    const world = await startWorld();
    cleanup.push(() => world.close());
    const emu = world.emu;
    const dir = await tempDir();
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const env = { DROPCRON_MASTER_KEY: randomBytes(32).toString('base64') };
    const log = createLogger({ level: 'silent', destination: { write() {} } as never });
    const daemons: OwnedServices[] = [];
    for (let i = 0; i < 3; i++) {
      const config = {
        file: join(dir, 'config.yaml'),
        admin: { enabled: false, host: '127.0.0.1', port: 0 },
        metrics: { public: false },
        // Each daemon its own state directory, as on its own machine: only the database is shared.
        state: join(dir, `state${i}`),
        store: { postgres: url },
        timezone: 'UTC',
        connections: join(dir, 'connections'),
        jobs: join(dir, 'jobs'),
        logLevel: 'silent',
        plugins: ['dropbox'],
        sandbox: false,
        maxConcurrentJobs: 1,
        shutdownGraceSeconds: 1,
        historyLimit: 10,
        dropbox: { appKey: 'dropcron-sandbox' },
      } as DaemonConfig;
      const services = createServices(config, { log, env });
      cleanup.push(() => services.close());
      daemons.push(services);
    }
    const def = world.def();
    const auth = createAuthorizer(new FlowStore());
    const { url: consent, state } = await auth.begin(def, daemons[0]!, { mode: 'paste' });
    const q = await submitConsent(consent, new Agent(), { decision: 'allow' });
    await auth.complete(def, daemons[0]!, { state, code: q.get('code')! });
    // Nobody holds an access token yet: the first calls of every daemon refresh.
    forgetAccessToken(daemons[0]!, 'work');

    const tokenCalls = () => emu.requests.filter((r) => r.route === 'oauth2/token').length;
    const clients = daemons.map((s) => openConnection(def, s));
    const everyoneCalls = () =>
      Promise.allSettled(clients.flatMap((c) => Array.from({ length: CALLS_EACH }, () => c.getCurrentAccount())));
    const tokens = () => daemons.map((s) => tokenSourceFor(def, s).snapshot?.accessToken);

    let before = tokenCalls();
    let results = await everyoneCalls();
    expect(results.map((r) => r.status)).toEqual(Array(3 * CALLS_EACH).fill('fulfilled'));
    expect(tokenCalls() - before).toBe(1);
    const first = tokens();
    expect(new Set(first).size).toBe(1);
    // The shared token is not copied into definitions as secrets typed into the UI are.
    const loaded = { ...def };
    await fillStoredSecrets(daemons[1]!.config, [loaded], env);
    expect(JSON.stringify(loaded)).not.toContain(first[0]);

    // Every daemon's token expires at once (401s everywhere): one refresh for all.
    emu.expireAccessTokens();
    before = tokenCalls();
    results = await everyoneCalls();
    expect(results.map((r) => r.status)).toEqual(Array(3 * CALLS_EACH).fill('fulfilled'));
    expect(tokenCalls() - before).toBe(1);
    const second = tokens();
    expect(new Set(second).size).toBe(1);
    expect(second[0]).not.toBe(first[0]);

    // The grant is revoked: one daemon learns it from Dropbox, the others from the vault.
    emu.revokeAll();
    before = tokenCalls();
    results = await everyoneCalls();
    for (const r of results) expect(r.status === 'rejected' && r.reason).toBeInstanceOf(InvalidGrantError);
    expect(tokenCalls() - before).toBe(1);
    for (const s of daemons) {
      expect((await grantState(s, 'work')).reauthorisation).toMatchObject({ kind: 'invalid_grant' });
      expect(await s.secretsOf('work').secret(ACCESS_TOKEN)).toBeUndefined();
    }
    // And nobody asks Dropbox again.
    results = await everyoneCalls();
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(tokenCalls() - before).toBe(1);
  });
});
