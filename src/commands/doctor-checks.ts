// The core's checks for `dropcron doctor`: the state directory, the master key, and each
// connection's authorisation and proxy, and the past runs' sizes. They read and never write: a doctor beside a
// running daemon must not create the key or the directory the daemon would.
import { connect } from 'node:net';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConnectionDefinition, ConnectionType, DoctorCheck, JobDefinition, Services } from '../plugin.ts';
import { normaliseProxy } from '../net/proxy-check.ts';
import { loadMasterKey, MASTER_KEY_ENV, MASTER_KEY_FILE } from '../store/master-key.ts';
import { oneLine } from '../one-line.ts';
import type { Store } from '../store/store.ts';

const mode = (m: number) => (m & 0o777).toString(8).padStart(3, '0');

export async function stateCheck(dir: string): Promise<DoctorCheck> {
  const subject = 'state directory';
  const st = await stat(dir).catch((err: NodeJS.ErrnoException) => err);
  if (st instanceof Error) {
    if (st.code === 'ENOENT') return { subject, ok: true, detail: `${dir} is created (0700) at the first start` };
    return { subject, ok: false, detail: `${dir}: ${st.message}`, fix: 'set state: in config.yaml to a usable folder' };
  }
  if (!st.isDirectory())
    return { subject, ok: false, detail: `${dir} is not a folder`, fix: 'set state: in config.yaml to a folder' };
  if ((st.mode & 0o077) !== 0)
    return {
      subject,
      ok: false,
      detail: `${dir} is open to other users (mode ${mode(st.mode)}): it holds the vault and the run history`,
      fix: `chmod 700 ${dir}`,
    };
  return { subject, ok: true, detail: `${dir} (mode ${mode(st.mode)})` };
}

/**
 * The key's check, and whether the vault can be read: not without a key (nothing is
 * stored yet, and reading would create one) nor with a key that is refused.
 */
export async function masterKeyCheck(
  stateDir: string,
  env: NodeJS.ProcessEnv,
): Promise<{ check: DoctorCheck; vault: boolean }> {
  const subject = 'master key';
  const file = join(stateDir, MASTER_KEY_FILE);
  const present =
    !!env[MASTER_KEY_ENV] ||
    (await stat(file).then(
      () => true,
      () => false,
    ));
  if (!present)
    return {
      vault: false,
      check: { subject, ok: true, detail: `none yet: ${file} is created (0600) at the first start` },
    };
  try {
    // Present, so loadMasterKey only reads and judges it (mode, length).
    const key = await loadMasterKey(stateDir, env);
    return { vault: true, check: { subject, ok: true, detail: `from ${key.source} (id ${key.kid})` } };
  } catch (err) {
    const [detail, fix] = oneLine(err).split('; run: ');
    return {
      vault: false,
      check: { subject, ok: false, detail: detail!, fix: fix ?? 'openssl rand -base64 32 makes one' },
    };
  }
}

/** `key`: what masterKeyCheck found; a refused key is its own line, not one per connection. */
export async function authorisationCheck(
  def: ConnectionDefinition,
  ct: ConnectionType,
  services: Services,
  key: { check: DoctorCheck; vault: boolean },
): Promise<DoctorCheck | undefined> {
  if (!ct.status || !key.check.ok) return undefined;
  const vault = key.vault;
  const subject = `connection '${def.name}'`;
  const status = vault
    ? await ct
        .status(def, services)
        .catch((err: unknown) => ({ state: 'error' as const, detail: oneLine(err), label: '' }))
    : { state: 'needs-authorisation' as const, detail: 'nothing is stored yet', label: '' };
  const who = status.label ? ` (${status.label})` : '';
  if (status.state === 'authorised') return { subject, ok: true, detail: `authorised${who}` };
  // A sandbox connection signs itself in at its first use.
  if (status.state === 'needs-authorisation' && def.sandbox)
    return { subject, ok: true, detail: 'not signed in yet; the sandbox signs it in at its first use' };
  return {
    subject,
    ok: false,
    detail: `${status.state}${who}${status.detail ? `: ${status.detail}` : ''}`,
    fix: `sign it in: dropcron auth ${def.name} (or in the admin UI)`,
  };
}

/** A TCP connection to the connection's proxy, when it names one. */
export async function proxyCheck(def: ConnectionDefinition, timeoutMs = 5000): Promise<DoctorCheck | undefined> {
  const p = normaliseProxy(def.proxy);
  const { host, port } = p;
  if (!host || !port) return undefined;
  const subject = `connection '${def.name}': proxy`;
  const where = `${host}:${port}`;
  const error = await new Promise<string | undefined>((resolve) => {
    const s = connect({ host, port, timeout: timeoutMs });
    s.once('connect', () => {
      s.destroy();
      resolve(undefined);
    });
    s.once('timeout', () => {
      s.destroy();
      resolve(`no answer within ${timeoutMs / 1000} s`);
    });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
  return error
    ? {
        subject,
        ok: false,
        detail: `${p.type} proxy ${where} cannot be reached (${error})`,
        fix: `start the proxy, or correct proxy: in ${def.file}`,
      }
    : { subject, ok: true, detail: `${p.type} proxy ${where} accepts connections` };
}

/**
 * DoctorContext.largestRuns: the most bytes each task of `job` moved in one run, from
 * the run history. Only the file store's: PostgreSQL's would migrate its schema first.
 */
export async function largestRuns(store: Store, job: JobDefinition): Promise<(number | undefined)[] | undefined> {
  if (store.kind !== 'file') return undefined;
  const runs = await store.history.list(job.name);
  // Matched by position and type: a job edited since has no figure for a changed task.
  return runs.length
    ? job.tasks.map((t, i) => {
        const sizes = runs.flatMap((r) => {
          const s = r.tasks[i];
          return s?.type === t.type ? [s.bytes] : [];
        });
        return sizes.length ? Math.max(...sizes) : undefined;
      })
    : [];
}
