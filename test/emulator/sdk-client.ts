// The official npm `dropbox` SDK pointed at an emulator. It targets
// https://{api,content,notify}.dropboxapi.com and https://dropbox.com; the injected fetch
// rewrites those origins to the emulator (the SDK has no base-URL option).
import { Dropbox, type DropboxOptions } from 'dropbox';
import type { Emulator } from './helpers.ts';

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
