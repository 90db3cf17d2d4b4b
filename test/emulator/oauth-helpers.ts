// Drives the consent page the way a browser would: GET the page, submit its form.
import { createHash, randomBytes } from 'node:crypto';
import { accountIdOf, type Emulator } from './helpers.ts';

const unescape = (s: string) => s.replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)));

/** The hidden fields of the consent form, as the page rendered them. */
export function formFields(html: string): URLSearchParams {
  const form = new URLSearchParams();
  for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g))
    form.append(unescape(m[1]!), unescape(m[2]!));
  return form;
}

export async function consent(
  emu: Emulator,
  params: Record<string, string>,
  opts: { account?: string; decision?: 'allow' | 'deny'; path?: string } = {},
) {
  const page = await fetch(`${emu.url}${opts.path ?? '/oauth2/authorize'}?${new URLSearchParams(params)}`);
  const html = await page.text();
  if (page.status !== 200) return { page, html };
  const form = formFields(html);
  // The form posts the chosen <option>'s value, an account id; tests may also name one by alias.
  form.set('account', opts.account ?? accountIdOf(emu, 'sandy'));
  form.set('decision', opts.decision ?? 'allow');
  const res = await fetch(`${emu.url}/oauth2/authorize`, { method: 'POST', body: form, redirect: 'manual' });
  return { page, html, res, location: res.headers.get('location'), body: await res.text() };
}

export function pkce(method: 'S256' | 'plain' = 'S256') {
  const verifier = randomBytes(48).toString('base64url');
  const challenge = method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
  return { verifier, challenge, method };
}

export async function token(
  emu: Emulator,
  params: Record<string, string>,
  headers: Record<string, string> = {},
  path = '/oauth2/token',
) {
  const res = await fetch(`${emu.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(params),
  });
  return { status: res.status, json: (await res.json()) as any };
}

export const REDIRECT = 'http://127.0.0.1:53682/oauth2/callback';
