// Small HTTP helpers for the emulator's tests: real requests over loopback.
import { afterAll, beforeAll } from 'vitest';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../plugins/dropbox/emulator/index.ts';
import { headerSafeJson } from '../../plugins/dropbox/emulator/args.ts';
import { request } from 'undici';
import type { Readable } from 'node:stream';

export { startEmulator, headerSafeJson, type Emulator, type EmulatorOptions };

/** The seed's account id for a short name ('sandy', 'alice', 'bob'), so tests do not spell ids out. */
export function accountIdOf(emu: Pick<Emulator, 'seed'>, alias: string): string {
  const personal = emu.seed.accounts.find((a) => a.alias === alias);
  if (personal) return personal.id;
  return memberOf(emu, alias).accountId;
}

/** A team member's ids in the seed, by short name: member id, account id and team id. */
export function memberOf(
  emu: Pick<Emulator, 'seed'>,
  alias: string,
): { memberId: string; accountId: string; teamId: string } {
  for (const t of emu.seed.teams ?? []) {
    const m = t.members.find((x) => x.alias === alias);
    if (m) return { memberId: m.id, accountId: m.accountId, teamId: t.id };
  }
  throw new Error(`no account with alias '${alias}' in the seed`);
}

export interface Reply<T = any> {
  status: number;
  headers: Headers;
  text: string;
  json: T;
}

async function reply(res: Response): Promise<Reply> {
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export function client(emu: Emulator, token: string, extra: Record<string, string> = {}) {
  const auth = { Authorization: `Bearer ${token}`, ...extra };
  return {
    async rpc(route: string, arg?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
      const res = await fetch(`${emu.url}/2/${route}`, {
        method: 'POST',
        headers: { ...auth, ...(arg === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
        body: arg === undefined ? undefined : JSON.stringify(arg),
      });
      return reply(res);
    },
    async upload(
      route: string,
      arg: unknown,
      body: Buffer | string,
      headers: Record<string, string> = {},
    ): Promise<Reply> {
      const res = await fetch(`${emu.url}/2/${route}`, {
        method: 'POST',
        headers: {
          ...auth,
          'Content-Type': 'application/octet-stream',
          'Dropbox-API-Arg': headerSafeJson(arg),
          ...headers,
        },
        body,
      });
      return reply(res);
    },
    async download(
      arg: unknown,
      headers: Record<string, string> = {},
    ): Promise<{ status: number; headers: Headers; body: Buffer; result?: any }> {
      const res = await fetch(`${emu.url}/2/files/download`, {
        method: 'POST',
        headers: { ...auth, 'Dropbox-API-Arg': headerSafeJson(arg), ...headers },
      });
      const body = Buffer.from(await res.arrayBuffer());
      const r = res.headers.get('dropbox-api-result');
      return { status: res.status, headers: res.headers, body, result: r ? JSON.parse(r) : undefined };
    },
  };
}

export type Client = ReturnType<typeof client>;

/** files/upload with a body the test streams (fetch would buffer or need duplex). */
export function streamUpload(emu: Emulator, token: string, path: string, body: Readable) {
  return request(`${emu.url}/2/files/upload`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${token}`,
      'Content-Type': 'application/octet-stream',
      'Dropbox-API-Arg': headerSafeJson({ path }),
    },
    body,
  });
}

/** What most emulator test files share: one emulator, the default account's token, a client on it. */
export interface SharedEmulator {
  emu: Emulator;
  token: string;
  c: Client;
}

/**
 * Starts one emulator before the calling file's tests and closes it after them; `set`
 * receives it once started, so the file can keep plain module variables.
 */
export function useEmulator(set: (s: SharedEmulator) => void): void {
  let emu: Emulator | undefined;
  beforeAll(async () => {
    emu = await startEmulator();
    const token = emu.issueToken().accessToken;
    set({ emu, token, c: client(emu, token) });
  });
  afterAll(() => emu?.close());
}
