// Token calls go through the connection's proxy like every other call: a real
// tinyproxy on loopback logs the exchange, the refresh and the revoke.
import { describe, it, expect, afterEach } from 'vitest';
import { Agent } from 'undici';
import { createAuthorizer } from '../../plugins/dropbox/auth/authorizer.ts';
import { FlowStore } from '../../plugins/dropbox/auth/flow-state.ts';
import { submitConsent } from '../../plugins/dropbox/auth/sandbox-consent.ts';
import { openConnection, disconnectConnection, testConnection } from '../../plugins/dropbox/auth/connection-ops.ts';
import { startWorld, type World } from './harness.ts';
import { startTinyproxy, type RunningProxy } from '../helpers/proxies.ts';

let w: World | undefined;
let proxy: RunningProxy | undefined;
afterEach(async () => {
  await proxy?.stop();
  await w?.close();
});

describe('token calls through the proxy', () => {
  it('exchanges, refreshes and revokes through tinyproxy', async () => {
    w = await startWorld();
    proxy = await startTinyproxy({ username: 'puser', password: 'ppass' });
    const def = w.def({
      proxy: {
        type: 'http',
        host: '127.0.0.1',
        port: proxy.port,
        username: 'puser',
        password: 'ppass',
        proxyTunnel: false,
      },
    });
    const auth = createAuthorizer(new FlowStore());
    const { url, state } = await auth.begin(def, w.services, { mode: 'paste' });
    // The user's browser reaches the consent page directly.
    const q = await submitConsent(url, new Agent(), { decision: 'allow' });
    expect(await proxy.log()).not.toContain('/oauth2/authorize');

    await auth.complete(def, w.services, { state, code: q.get('code')! });
    const tokenLine = new RegExp(`Request \\(file descriptor \\d+\\): POST ${w.emu.url}/oauth2/token `);
    expect(await proxy.log()).toMatch(tokenLine);
    expect(await proxy.log()).toContain(`POST ${w.emu.url}/2/users/get_current_account`);

    const client = openConnection(def, w.services);
    w.emu.expireAccessTokens();
    const before = ((await proxy.log()).match(new RegExp(tokenLine, 'g')) ?? []).length;
    await client.getCurrentAccount();
    expect(((await proxy.log()).match(new RegExp(tokenLine, 'g')) ?? []).length).toBe(before + 1);

    const r = await testConnection(def, w.services);
    expect(Object.fromEntries(r.lines)['round trip']).toMatch(
      new RegExp(`^\\d+ ms through http proxy 127\\.0\\.0\\.1:${proxy.port}$`),
    );

    expect((await disconnectConnection(def, w.services)).revoked).toBe(true);
    expect(await proxy.log()).toContain(`POST ${w.emu.url}/2/auth/token/revoke`);
  });

  it('fails the exchange with one clear line when the proxy is down, storing nothing', async () => {
    w = await startWorld();
    proxy = await startTinyproxy();
    const def = w.def({ proxy: { type: 'http', host: '127.0.0.1', port: proxy.port, proxyTunnel: false } });
    const auth = createAuthorizer(new FlowStore());
    const { url, state } = await auth.begin(def, w.services, { mode: 'paste' });
    const q = await submitConsent(url, new Agent(), { decision: 'allow' });
    await proxy.stop();
    proxy = undefined;
    const err = await auth.complete(def, w.services, { state, code: q.get('code')! }).catch((e) => e);
    expect(err.message).toMatch(
      /^sign-in for 'work' failed: could not exchange the code: cannot reach the http proxy .*check the network and the connection's proxy settings; nothing was stored$/,
    );
    expect(err.message).not.toContain('\n');
  });

  // Without a tunnel (and on some proxies with one) the proxy's refusal arrives as an
  // HTML response: it must name the proxy, never read as an answer from Dropbox.
  it.each([false, true])(
    'a wrong proxy password names the proxy in the code exchange and the refresh (proxyTunnel %s)',
    async (proxyTunnel) => {
      w = await startWorld({ accessTokenTtlSeconds: 60 });
      proxy = await startTinyproxy({ username: 'puser', password: 'ppass' });
      const via = (password: string) =>
        w!.def({
          proxy: { type: 'http', host: '127.0.0.1', port: proxy!.port, username: 'puser', password, proxyTunnel },
        });
      const refused = `the http proxy 127.0.0.1:${proxy.port} (user puser) rejected the credentials (HTTP 401); check the proxy username and password`;
      const bad = via('wrong-pw');

      const auth = createAuthorizer(new FlowStore());
      const { url, state } = await auth.begin(bad, w.services, { mode: 'paste' });
      const q = await submitConsent(url, new Agent(), { decision: 'allow' });
      const err = await auth.complete(bad, w.services, { state, code: q.get('code')! }).catch((e) => e);
      expect
        .soft(err.message)
        .toBe(`sign-in for 'work' failed: could not exchange the code: ${refused}; nothing was stored`);

      // Signed in through the right password; the short token lifetime makes the next call refresh first.
      await w.signIn(via('ppass'));
      const refresh = await openConnection(bad, w.services)
        .getCurrentAccount()
        .catch((e) => e);
      expect(refresh.message).toBe(`could not refresh the access token: ${refused}`);
    },
  );
});
