// The CLI emulator as a child process with --data: a 2 GiB chunked upload session
// streamed through it while its resident memory stays under 200 MB.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContentHasher } from '../../plugins/dropbox/api/content-hash.ts';
import { headerSafeJson } from './helpers.ts';
import { REDIRECT, formFields, pkce } from './oauth-helpers.ts';
import { CLI } from '../helpers/cli.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MiB = 1024 * 1024;
const CHUNK = 128 * MiB;
const CHUNKS = 16;
const LIMIT = 200 * 1000 * 1000;

let child: ChildProcess;
let url: string;
let dataDir: string;

async function rss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

/** `size` bytes made on the fly from a 1 MiB pattern that changes per MiB. */
function generated(size: number, seed: number, hasher: ContentHasher): Readable {
  const block = Buffer.alloc(MiB);
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= size) {
        this.push(null);
        return;
      }
      const n = Math.min(MiB, size - sent);
      block.fill((seed * 31 + sent / MiB) & 0xff);
      block.writeUInt32BE(sent / MiB, 0);
      const piece = Buffer.from(block.subarray(0, n));
      hasher.update(piece);
      sent += n;
      this.push(piece);
    },
  });
}

/** A real sign-in against the child: consent form, then the PKCE code exchange. */
async function signIn(): Promise<string> {
  const p = pkce();
  const q = new URLSearchParams({
    client_id: 'dropcron-sandbox',
    response_type: 'code',
    redirect_uri: REDIRECT,
    code_challenge: p.challenge,
    code_challenge_method: 'S256',
  });
  const form = formFields(await (await fetch(`${url}/oauth2/authorize?${q}`)).text());
  form.set('account', 'sandy');
  form.set('decision', 'allow');
  const back = await fetch(`${url}/oauth2/authorize`, { method: 'POST', body: form, redirect: 'manual' });
  const code = new URL(back.headers.get('location')!).searchParams.get('code')!;
  const t = await fetch(`${url}/oauth2/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      client_id: 'dropcron-sandbox',
      code_verifier: p.verifier,
      redirect_uri: REDIRECT,
    }),
  });
  return ((await t.json()) as { access_token: string }).access_token;
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'dropcron-emulator-big-'));
  child = spawn(process.execPath, [CLI, 'emulator', '--port', '0', '--data', dataDir], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => reject(new Error(`emulator exited with ${code}: ${out}`)));
  });
}, 60_000);

afterAll(async () => {
  if (child.exitCode === null) child.kill('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

describe('dropcron emulator (CLI, --data)', () => {
  it('prints the real URL for --port 0', () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(url).not.toMatch(/:0$/);
  });

  it('takes a 2 GiB upload session in 16 appends of 128 MiB under 200 MB RSS, then exits 0 on SIGTERM', async () => {
    const token = await signIn();
    const auth = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/octet-stream' };
    let peak = await rss(child.pid!);
    const sampler = setInterval(() => {
      rss(child.pid!).then(
        (r) => (peak = Math.max(peak, r)),
        () => undefined,
      );
    }, 100);
    const hasher = new ContentHasher();
    try {
      const start = await request(`${url}/2/files/upload_session/start`, {
        method: 'POST',
        headers: { ...auth, 'Dropbox-API-Arg': headerSafeJson({}) },
        body: '',
      });
      expect(start.statusCode).toBe(200);
      const { session_id } = (await start.body.json()) as { session_id: string };
      for (let i = 0; i < CHUNKS; i++) {
        const res = await request(`${url}/2/files/upload_session/append_v2`, {
          method: 'POST',
          headers: {
            ...auth,
            'Content-Length': String(CHUNK),
            'Dropbox-API-Arg': headerSafeJson({ cursor: { session_id, offset: i * CHUNK }, close: i === CHUNKS - 1 }),
          },
          body: generated(CHUNK, i, hasher),
        });
        expect(res.statusCode, await res.body.text()).toBe(200);
      }
      const total = CHUNK * CHUNKS;
      const expected = hasher.digest();
      const fin = await request(`${url}/2/files/upload_session/finish`, {
        method: 'POST',
        headers: {
          ...auth,
          'Dropbox-API-Arg': headerSafeJson({
            cursor: { session_id, offset: total },
            commit: { path: '/big/2gib.bin' },
            content_hash: expected,
          }),
        },
        body: '',
      });
      const md = (await fin.body.json()) as { size: number; content_hash: string };
      expect(fin.statusCode).toBe(200);
      expect(md.size).toBe(total);
      expect(md.content_hash).toBe(expected);
      const blobs = await readdir(join(dataDir, 'blobs'));
      expect(blobs).toHaveLength(1);
      expect(blobs[0]!.startsWith(`${expected}-`)).toBe(true);
      expect((await stat(join(dataDir, 'blobs', blobs[0]!))).size).toBe(total);
      // A range from the middle comes back from disk.
      const mid = await request(`${url}/2/files/download`, {
        method: 'POST',
        headers: {
          Authorization: auth.Authorization,
          'Dropbox-API-Arg': headerSafeJson({ path: '/big/2gib.bin' }),
          Range: `bytes=${5 * CHUNK}-${5 * CHUNK + 7}`,
        },
      });
      expect(mid.statusCode).toBe(206);
      const bytes = Buffer.from(await mid.body.arrayBuffer());
      // The first MiB of append 5: its index within the chunk (0), then the chunk's fill byte.
      expect(bytes.readUInt32BE(0)).toBe(0);
      expect(bytes[4]).toBe((5 * 31) & 0xff);
    } finally {
      clearInterval(sampler);
    }
    expect(peak, `peak RSS ${peak} bytes`).toBeLessThan(LIMIT);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 240_000);
});
