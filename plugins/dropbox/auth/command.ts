// `dropcron auth <connection>`: signs a connection in from the terminal. By default it
// opens the system browser (or prints the URL) and waits for Dropbox's redirect on
// the loopback callback; with --code it uses Dropbox's no-redirect mode and reads the
// code the user pastes. Either way the code is exchanged and stored by the same
// Authorizer the admin UI uses.
import { createInterface } from 'node:readline';
import type { Socket } from 'node:net';
import type { CliCommand, CliContext, ConnectionDefinition, ConnectionStatus, Services } from '../../../src/plugin.ts';
import { parseArgs, UsageError, withConnection } from '../../../src/plugin.ts';
import type { DropboxAuthorizer } from './authorizer.ts';
import { redirectUrlOf } from './app.ts';
import { listenLoopback, loopbackTarget } from './loopback.ts';
import { openBrowser } from './browser.ts';
import { grantState } from './grant.ts';
import { AuthFlowError } from './errors.ts';

const DEFAULT_TIMEOUT_S = 600;

export interface AuthCommandOptions {
  authorizer?: DropboxAuthorizer;
  /** Replaces the system browser (tests; never spawns anything then). */
  openBrowser?: (url: string) => Promise<boolean>;
}

export function createAuthCommand(opts: AuthCommandOptions = {}): CliCommand {
  const open = opts.openBrowser ?? ((url: string) => openBrowser(url));
  return {
    name: 'auth',
    summary: 'sign a Dropbox connection in (browser on this machine, or paste a code)',
    usage: `Usage: dropcron auth <connection> [--no-browser] [--code] [--timeout SECONDS] [--config FILE]

Signs <connection> in to Dropbox (OAuth 2 with PKCE; offline access, so it keeps
working without you). The refresh token is stored encrypted in the state directory.

  (default)      opens your browser (or prints the URL when there is no display) and
                 waits for Dropbox to redirect to the connection's redirectUrl, which
                 must be a loopback URL (default http://localhost:53682/oauth2/callback)
                 registered for the app in the Dropbox App Console
  --no-browser   print the URL instead of opening a browser
  --code         for machines without a browser: open the printed URL anywhere, allow
                 access, and paste the code Dropbox shows into this terminal
  --timeout S    give up after S seconds (default ${DEFAULT_TIMEOUT_S}, i.e. 10 minutes)`,
    async run(argv, cli) {
      const { flags, positionals } = parseArgs(argv, [
        { name: 'no-browser' },
        { name: 'code' },
        { name: 'timeout', value: true },
      ]);
      const timeoutS = flags.timeout === undefined ? DEFAULT_TIMEOUT_S : Number(flags.timeout);
      if (!Number.isInteger(timeoutS) || timeoutS < 1)
        throw new UsageError('--timeout must be a whole number of seconds, at least 1');

      // Imported here, not at the top: `dropcron --help` imports this module, and the
      // authorizer brings in the whole HTTP stack.
      const authorizer = opts.authorizer ?? (await import('./authorizer.ts')).authorizer;
      return withConnection(positionals, cli, 'dropcron auth <connection>', async ({ def, services }) => {
        if (def.type !== 'dropbox') throw new Error(`connection '${def.name}' is of type '${def.type}', not dropbox`);
        const status = flags.code
          ? await pasteFlow(def, services, cli, authorizer, timeoutS)
          : await browserFlow(def, services, cli, authorizer, timeoutS, flags['no-browser'] ? async () => false : open);
        const st = await grantState(services, def.name);
        cli.stdout.write(`authorised '${def.name}'${status.label ? ` as ${status.label}` : ''}\n`);
        cli.stdout.write(`granted scopes: ${st.scopes?.join(' ') ?? '(not reported by Dropbox)'}\n`);
        return 0;
      });
    },
  };
}

export const authCommand = createAuthCommand();

async function browserFlow(
  def: ConnectionDefinition,
  services: Services,
  cli: CliContext,
  authorizer: DropboxAuthorizer,
  timeoutS: number,
  open: (url: string) => Promise<boolean>,
): Promise<ConnectionStatus> {
  const redirectUrl = redirectUrlOf(def);
  if (!loopbackTarget(redirectUrl)) {
    throw new Error(
      `the redirect URL ${redirectUrl} of '${def.name}' is not on this machine, so the terminal cannot receive Dropbox's answer; run dropcron auth ${def.name} --code, or sign in from the admin UI`,
    );
  }
  let status: ConnectionStatus | undefined;
  // Listen before the URL exists: a busy port fails the command before anyone signs in.
  const lb = await listenLoopback(redirectUrl, async (p) => {
    status = await authorizer.complete(def, services, {
      state: p.state ?? '',
      code: p.code,
      error: p.error,
      errorDescription: p.errorDescription,
    });
    return {
      ok: true,
      message: `dropcron connection '${def.name}' is signed in${status.label ? ` as ${status.label}` : ''}.`,
    };
  });
  let state: string | undefined;
  try {
    const begun = await authorizer.begin(def, services, { mode: 'redirect', redirectUrl, flow: 'cli-browser' });
    state = begun.state;
    const opened = await open(begun.url);
    cli.stdout.write(
      opened
        ? `Your browser was opened to sign in to Dropbox. If it did not open, visit:\n\n  ${begun.url}\n\n`
        : `Open this URL in a browser on this machine to sign in to Dropbox:\n\n  ${begun.url}\n\n`,
    );
    cli.stdout.write(
      `If Dropbox says the redirect URI is invalid, register exactly ${redirectUrl} for the app in the Dropbox App Console, or use --code.\n`,
    );
    cli.stdout.write(`Waiting for Dropbox to redirect to ${redirectUrl} (up to ${duration(timeoutS)})...\n`);
    const outcome = await withTimeout(lb.done, timeoutS);
    if (!outcome) {
      authorizer.flows.cancel(state);
      throw new AuthFlowError(
        `no answer from the browser within ${duration(timeoutS)}; run dropcron auth ${def.name} again (or add --code on a machine without a browser)`,
      );
    }
    if (!outcome.ok || !status) throw new AuthFlowError(outcome.message);
    return status;
  } finally {
    if (state) authorizer.flows.cancel(state);
    await lb.close();
  }
}

async function pasteFlow(
  def: ConnectionDefinition,
  services: Services,
  cli: CliContext,
  authorizer: DropboxAuthorizer,
  timeoutS: number,
): Promise<ConnectionStatus> {
  const { url, state } = await authorizer.begin(def, services, { mode: 'paste', flow: 'cli-paste' });
  cli.stdout.write(
    `Open this URL in any browser, sign in to Dropbox and allow access:\n\n  ${url}\n\nThen paste the code Dropbox shows here and press Enter: `,
  );
  const code = await readLine(cli.stdin, timeoutS);
  cli.stdout.write('\n');
  if (code === undefined) {
    authorizer.flows.cancel(state);
    throw new AuthFlowError(
      `no code was entered within ${duration(timeoutS)}; run dropcron auth ${def.name} --code again`,
    );
  }
  if (!code.trim()) {
    authorizer.flows.cancel(state);
    throw new AuthFlowError(
      `no code was entered; run dropcron auth ${def.name} --code again and paste the code Dropbox shows`,
    );
  }
  return authorizer.complete(def, services, { state, code: code.trim() });
}

/** The first line of input ('' if the input ends first, undefined after `seconds`). */
function readLine(input: NodeJS.ReadableStream, seconds: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const rl = createInterface({ input, terminal: false });
    // Closing the reader on every outcome lets the process exit (stdin stays referenced otherwise).
    const finish = (v: string | undefined) => {
      clearTimeout(timer);
      rl.removeAllListeners();
      rl.close();
      // close() only pauses: a pipe whose writer stays open (a held fifo, a script) keeps
      // its handle reading and the process alive after the sign-in. One line is all we need.
      (input as Partial<Socket>).unref?.();
      resolve(v);
    };
    const timer = setTimeout(() => finish(undefined), seconds * 1000);
    rl.once('line', (line) => finish(line));
    rl.once('close', () => finish(''));
  });
}

/** The value, or undefined when `seconds` pass first. */
function withTimeout<T>(p: Promise<T>, seconds: number): Promise<T | undefined> {
  return new Promise<T | undefined>((resolve, reject) => {
    const t = setTimeout(() => resolve(undefined), seconds * 1000);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

function duration(s: number): string {
  return s % 60 === 0 ? `${s / 60} minute${s === 60 ? '' : 's'}` : `${s} second${s === 1 ? '' : 's'}`;
}
