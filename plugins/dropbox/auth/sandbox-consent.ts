// Signs a never-authorised sandbox connection in on first use, so `npm ci && npm start`
// works out of the box. It runs the real code + PKCE flow against the bundled
// sandbox's consent page (GET authorize, submit Allow, take the code from the
// redirect, exchange it), never a shortcut, and never for a connection that talks to
// Dropbox itself.
import type { Dispatcher } from 'undici';
import { oneLine, request, type ConnectionDefinition, type Services } from '../../../src/plugin.ts';
import { asDropbox } from './app.ts';
import { authorizer } from './authorizer.ts';
import { AuthFlowError } from './errors.ts';
import { describeNetworkFailure } from '../../../src/plugin.ts';

export interface ConsentForm {
  action: string;
  method: string;
  fields: Array<[string, string]>;
  /** Submit buttons as [name, value, label]. */
  buttons: Array<[string, string, string]>;
  /** Select fields: name -> options as [value, label]. */
  selects: Map<string, Array<[string, string]>>;
}

/** Reads the first form of a page: enough HTML parsing for a consent page. */
export function parseForm(html: string, base: string): ConsentForm | undefined {
  const m = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(html);
  if (!m) return undefined;
  const attrs = m[1]!;
  const inner = m[2]!;
  const attr = (tag: string, name: string) => {
    const a = new RegExp(`\\b${name}\\s*=\\s*("([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag);
    return a ? decode(a[2] ?? a[3] ?? a[4] ?? '') : undefined;
  };
  const form: ConsentForm = {
    action: new URL(attr(attrs, 'action') ?? base, base).href,
    method: (attr(attrs, 'method') ?? 'get').toUpperCase(),
    fields: [],
    buttons: [],
    selects: new Map(),
  };
  for (const im of inner.matchAll(/<input\b([^>]*)>/gi)) {
    const tag = im[1]!;
    const name = attr(tag, 'name');
    const type = (attr(tag, 'type') ?? 'text').toLowerCase();
    if (!name) continue;
    if (type === 'submit') form.buttons.push([name, attr(tag, 'value') ?? '', attr(tag, 'value') ?? '']);
    else if ((type === 'radio' || type === 'checkbox') && !/\bchecked\b/i.test(tag)) continue;
    else form.fields.push([name, attr(tag, 'value') ?? '']);
  }
  for (const bm of inner.matchAll(/<button\b([^>]*)>([\s\S]*?)<\/button>/gi)) {
    const name = attr(bm[1]!, 'name');
    if (name) form.buttons.push([name, attr(bm[1]!, 'value') ?? '', bm[2]!.replace(/<[^>]*>/g, '').trim()]);
  }
  for (const sm of inner.matchAll(/<select\b([^>]*)>([\s\S]*?)<\/select>/gi)) {
    const name = attr(sm[1]!, 'name');
    if (!name) continue;
    const opts: Array<[string, string]> = [];
    for (const om of sm[2]!.matchAll(/<option\b([^>]*)>([\s\S]*?)<\/option>/gi)) {
      const label = decode(om[2]!.replace(/<[^>]*>/g, '').trim());
      opts.push([attr(om[1]!, 'value') ?? label, label]);
    }
    form.selects.set(name, opts);
  }
  return form;
}

function decode(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

export interface ConsentChoice {
  /** 'allow' or 'deny'. */
  decision: 'allow' | 'deny';
  /** Picks the value of each select (e.g. which account signs in); default: the first option. */
  choose?: (name: string, options: Array<[string, string]>) => string | undefined;
}

/**
 * Opens the authorize URL, submits the consent form and returns the redirect's query
 * (code and state, or error), or for a no-redirect flow the code shown on the page.
 */
export async function submitConsent(
  authorizeUrl: string,
  dispatcher: Dispatcher,
  choice: ConsentChoice,
): Promise<URLSearchParams> {
  const page = await request(authorizeUrl, { method: 'GET', dispatcher }).catch((err: unknown) => {
    const f = describeNetworkFailure(err, dispatcher, new URL(authorizeUrl).origin);
    // When the proxy is the problem, the fix is in the proxy settings, not the sandbox.
    const hint = f.proxy
      ? "check the connection's proxy settings"
      : 'is the daemon running with sandbox: true in config.yaml?';
    throw new AuthFlowError(`cannot reach the sandbox consent page: ${oneLine(f.message)}; ${hint}`);
  });
  const html = await page.body.text();
  if (page.statusCode !== 200)
    throw new AuthFlowError(
      `the sandbox consent page answered HTTP ${page.statusCode}: ${oneLine(html.replace(/<[^>]*>/g, ' '), 200)}`,
    );
  const form = parseForm(html, authorizeUrl);
  if (!form) throw new AuthFlowError('the sandbox consent page has no form to submit');
  const body = new URLSearchParams(form.fields);
  for (const [name, options] of form.selects) {
    const v = choice.choose?.(name, options) ?? options[0]?.[0];
    if (v !== undefined) body.set(name, v);
  }
  const want = choice.decision === 'allow' ? /allow|approve|accept/i : /deny|cancel|decline/i;
  const button = form.buttons.find(([, value, label]) => want.test(value) || want.test(label));
  if (!button) throw new AuthFlowError(`the sandbox consent page has no ${choice.decision} button`);
  body.set(button[0], button[1]);
  const res =
    form.method === 'POST'
      ? await request(form.action, {
          method: 'POST',
          dispatcher,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: body.toString(),
        })
      : await request(`${form.action}${form.action.includes('?') ? '&' : '?'}${body}`, { method: 'GET', dispatcher });
  const text = await res.body.text();
  const location = res.headers.location;
  if (res.statusCode >= 300 && res.statusCode < 400 && typeof location === 'string') {
    return new URL(location, form.action).searchParams;
  }
  // No-redirect mode: the page shows the code for the user to copy.
  const code = /<code\b[^>]*>([^<]+)<\/code>/i.exec(text)?.[1] ?? /\bname="code"[^>]*value="([^"]+)"/i.exec(text)?.[1];
  if (res.statusCode === 200 && code) return new URLSearchParams({ code: decode(code.trim()) });
  throw new AuthFlowError(`the sandbox consent page answered HTTP ${res.statusCode} without a redirect`);
}

const running = new Map<string, Promise<void>>();

/** The sandbox auto sign-in (single flight per connection). */
export function authoriseInSandbox(def: ConnectionDefinition, services: Services): Promise<void> {
  const d = asDropbox(def);
  if (!d.sandbox || d.endpoints)
    return Promise.reject(
      new Error(`connection '${def.name}' is not a sandbox connection; sign it in with dropcron auth ${def.name}`),
    );
  const key = `${services.stateDir}\0${def.name}`;
  let p = running.get(key);
  if (!p) {
    p = (async () => {
      const { url, state } = await authorizer.begin(def, services, { mode: 'redirect', flow: 'sandbox' });
      const q = await submitConsent(url, services.dispatcherFor(def), {
        decision: 'allow',
        choose: (_name, options) => pickAccount(options, d.account),
      });
      await authorizer.complete(def, services, {
        state: q.get('state') ?? state,
        code: q.get('code') ?? undefined,
        error: q.get('error') ?? undefined,
        errorDescription: q.get('error_description') ?? undefined,
      });
      services.log.info({ connection: def.name }, 'sandbox connection signed in automatically');
    })().finally(() => running.delete(key));
    running.set(key, p);
  }
  return p;
}

/**
 * A personal connection signs in as the sandbox's personal account, a business one as
 * a team member: the sandbox labels team members "Name (email) - Team".
 */
function pickAccount(options: Array<[string, string]>, kind: 'personal' | 'business'): string | undefined {
  const inTeam = (o: [string, string]) => / - /.test(o[1]);
  return (kind === 'business' ? options.find(inTeam) : options.find((o) => !inTeam(o)))?.[0] ?? options[0]?.[0];
}
