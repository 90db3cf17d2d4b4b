import { describe, it, expect, beforeAll } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger, redact } from '../../src/log.ts';
import { loadPlugins } from '../../src/registry.ts';
import { createTestPlugin } from '../helpers/test-plugin.ts';

function sink() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  return { stream, lines, text: () => lines.join('\n') };
}

describe('logging', () => {
  // As the daemon does before it loads (and so can log) any connection.
  beforeAll(() => loadPlugins(['dropbox']));

  it('writes JSON lines', () => {
    const s = sink();
    const log = createLogger({ destination: s.stream, pretty: false });
    log.info({ job: 'nightly' }, 'started');
    log.flush();
    const line = JSON.parse(s.lines[0]!);
    expect(line).toMatchObject({ level: 30, job: 'nightly', msg: 'started' });
  });

  it('never writes a secret placed deep inside a connection, at any depth', () => {
    const s = sink();
    const log = createLogger({ destination: s.stream, pretty: false, level: 'trace' });
    const secret = 'sl.Bz9-deep-secret-token';
    const connection = {
      name: 'work',
      appSecret: 'app-secret-123',
      proxy: { type: 'http', host: 'p', username: 'u', password: 'proxy-pw-456' },
      nested: { a: { b: { c: [{ refresh_token: secret, accessToken: secret }] } } },
      headers: { Authorization: `Bearer ${secret}`, 'Proxy-Authorization': 'Basic dTpw' },
    };
    const child = log.child({ connection });
    child.info({ connection, err: Object.assign(new Error('boom'), { token: secret }) }, 'using connection');
    child.warn(`request failed with Authorization: Bearer ${secret}`);
    child.error(`proxy http://u:proxy-pw-456@host:3128 refused`);
    log.flush();
    const out = s.text();
    for (const leaked of [secret, 'app-secret-123', 'proxy-pw-456', 'dTpw']) expect(out).not.toContain(leaked);
    expect(out).toContain('[REDACTED]');
    expect(out).toContain('"host":"p"'); // the rest of the object is kept
  });

  it("censors a field a plugin's schema flags x-secret, whatever its name, once the plugin is registered", () => {
    const s = sink();
    const log = createLogger({ destination: s.stream, pretty: false });
    const def = { name: 'main', type: 'test', passphrase: 'open-sesame-789' };
    log.info({ def }, 'before the plugin is registered');
    createTestPlugin(); // registers the plugin, as loading config.yaml's `plugins:` does
    log.child({ def }).info({ def }, 'after');
    log.flush();
    const [before, after] = s.lines.map((l) => JSON.parse(l) as { def: { passphrase: string; name: string } });
    // Before, nothing marks the name secret: the flag alone is what censors it after.
    expect(before!.def.passphrase).toBe('open-sesame-789');
    expect(after!.def).toEqual({ name: 'main', type: 'test', passphrase: '[REDACTED]' });
    expect(s.lines[1]).not.toContain('open-sesame-789');
  });

  it('redact() copies without mutating and handles cycles', () => {
    const o: Record<string, unknown> = { password: 'x', keep: 1 };
    o.self = o;
    const r = redact(o) as Record<string, unknown>;
    expect(r.password).toBe('[REDACTED]');
    expect(r.keep).toBe(1);
    expect(r.self).toBe('[Circular]');
    expect(o.password).toBe('x');
  });
});
