// Which app a connection signs in through, and where Dropbox is for it.
// builtin: dropcron's registered app, a public client (PKCE, no secret).
// custom: the user's own app key and secret (secret from ${ENV} or the vault).
import type { ConnectionDefinition, Services } from '../../../src/plugin.ts';
import type { DropboxConnectionDef } from '../connection.ts';
import { DEFAULT_SCOPES } from '../connection.ts';

export const APP_SECRET = 'appSecret';
/** The sandbox's public client, used when a sandbox connection has no app key configured. */
export const SANDBOX_APP_KEY = 'dropcron-sandbox';

export interface AppCredentials {
  kind: 'builtin' | 'custom';
  appKey: string;
  /** Only for custom apps; never logged, never echoed. */
  appSecret?: string;
}

export interface Endpoints {
  api: string;
  content: string;
  /** Where the browser goes for /oauth2/authorize. */
  www: string;
  /** Where list_folder/longpoll goes (a trigger's watch); the client's default when absent. */
  notify?: string;
}

export const DROPBOX_ENDPOINTS: Endpoints = {
  api: 'https://api.dropboxapi.com',
  content: 'https://content.dropboxapi.com',
  www: 'https://www.dropbox.com',
};

import { ConnectionSetupError } from './errors.ts';
export { ConnectionSetupError };

export function asDropbox(def: ConnectionDefinition): DropboxConnectionDef {
  return def as DropboxConnectionDef;
}

export function scopesOf(def: ConnectionDefinition): string[] {
  return asDropbox(def).scopes ?? DEFAULT_SCOPES;
}

export function redirectUrlOf(def: ConnectionDefinition): string {
  return asDropbox(def).redirectUrl;
}

export async function resolveApp(
  def: ConnectionDefinition,
  services: Services,
  env: NodeJS.ProcessEnv = process.env,
): Promise<AppCredentials> {
  const d = asDropbox(def);
  if (d.app === 'custom') {
    if (!d.appKey)
      throw new ConnectionSetupError(
        `connection '${d.name}' uses app: custom but has no appKey; set appKey in ${d.file}`,
      );
    const appSecret = d.appSecret || (await services.secretsOf(d.name).secret(APP_SECRET));
    if (!appSecret) {
      throw new ConnectionSetupError(
        `connection '${d.name}' uses app: custom but has no app secret; set appSecret: \${ENV_VAR} in ${d.file} or enter it in the admin UI`,
      );
    }
    return { kind: 'custom', appKey: d.appKey, appSecret };
  }
  const section = services.config.dropbox as { appKey?: string } | undefined;
  const appKey = section?.appKey || env.DROPCRON_DROPBOX_APP_KEY || (d.sandbox ? SANDBOX_APP_KEY : '');
  if (!appKey) {
    throw new ConnectionSetupError(
      `connection '${d.name}' uses the built-in app but no app key is set; set dropbox.appKey in ${services.config.file} or DROPCRON_DROPBOX_APP_KEY`,
    );
  }
  return { kind: 'builtin', appKey };
}

/**
 * def.endpoints if set; else the sandbox if the connection asks for it; else Dropbox.
 * Services that started no sandbox (src/sandboxes.ts starts them for the daemon and the
 * one-off commands) talk to the one on its port, with `sandbox: true` in config.yaml.
 */
export function resolveEndpoints(def: ConnectionDefinition, services: Services): Endpoints {
  const d = asDropbox(def);
  if (d.endpoints) {
    const base = d.endpoints.api ?? DROPBOX_ENDPOINTS.api;
    return {
      api: trim(base),
      content: trim(d.endpoints.content ?? d.endpoints.api ?? DROPBOX_ENDPOINTS.content),
      www: trim(d.endpoints.www ?? d.endpoints.api ?? DROPBOX_ENDPOINTS.www),
      // A stand-in for Dropbox (endpoints.api) answers the long poll too.
      ...(d.endpoints.api ? { notify: trim(d.endpoints.api) } : {}),
    };
  }
  if (d.sandbox) {
    const sb = services.sandboxes.get('dropbox');
    let url = sb?.url;
    if (!url) {
      if (!services.config.sandbox)
        throw new ConnectionSetupError(`connection '${d.name}' uses the sandbox but config.yaml has sandbox: false`);
      const port = (services.config.dropbox as { sandboxPort: number }).sandboxPort;
      url = `http://127.0.0.1:${port}`;
    }
    const u = trim(url);
    return { api: u, content: u, www: u, notify: u };
  }
  return DROPBOX_ENDPOINTS;
}

function trim(u: string): string {
  return u.replace(/\/+$/, '');
}
