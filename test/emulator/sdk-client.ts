// The official npm `dropbox` SDK pointed at an emulator. It targets
// https://{api,content,notify}.dropboxapi.com and https://dropbox.com; the injected fetch
// rewrites those origins to the emulator (the SDK has no base-URL option).
import { afterAll, beforeAll, expect } from 'vitest';
import { Dropbox, DropboxResponseError, type DropboxOptions } from 'dropbox';
import { startEmulator, type Emulator, type EmulatorOptions } from './helpers.ts';

/** A fetch that sends the SDK's Dropbox URLs to `target()`, noting each path in `seen`. */
export function rewritingFetch(target: () => string, seen?: string[]): typeof fetch {
  return ((input: string | URL | Request, init?: RequestInit) => {
    const url = String(input)
      .replace(/^https:\/\/(api|content|notify)\.dropboxapi\.com/, target())
      .replace(/^https:\/\/(www\.)?dropbox\.com/, target());
    seen?.push(url.slice(target().length).split('?')[0]!);
    return fetch(url, init);
  }) as typeof fetch;
}

/** An SDK client with a fresh token of `account` (default: the personal one). */
export function sdkClient(emu: Emulator, opts: { account?: string; scopes?: string[] } & DropboxOptions = {}): Dropbox {
  const { account, scopes, ...rest } = opts;
  const { accessToken } = emu.issueToken({ account, scopes });
  return new Dropbox({ accessToken, fetch: rewritingFetch(() => emu.url), ...rest });
}

/** The status and route error of a call that must fail with a DropboxResponseError. */
export async function failure(p: Promise<unknown>): Promise<{ status: number; error: any }> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(DropboxResponseError);
  const r = e as DropboxResponseError<{ error: unknown }>;
  return { status: r.status, error: r.error.error };
}

/** A fresh emulator and an SDK client of the personal account for one test file. */
export function withSdk(opts?: EmulatorOptions): { emu: Emulator; dbx: Dropbox } {
  const ctx = {} as { emu: Emulator; dbx: Dropbox };
  beforeAll(async () => {
    ctx.emu = await startEmulator(opts);
    ctx.dbx = sdkClient(ctx.emu);
  });
  afterAll(() => ctx.emu?.close());
  return ctx;
}
