// The `dropbox` connection type: its schema, its cross-field checks and its settings.
import schema from './connection.schema.json' with { type: 'json' };
import type { ConnectionDefinition } from '../../src/plugin.ts';

export const connectionSchema = schema;

export const DEFAULT_SCOPES = [
  'account_info.read',
  'files.metadata.read',
  'files.metadata.write',
  'files.content.read',
  'files.content.write',
];

/** A dropbox connection file after validation, the schema's defaults filled in. */
export interface DropboxConnectionDef extends ConnectionDefinition {
  type: 'dropbox';
  account: 'personal' | 'business';
  app: 'builtin' | 'custom';
  appKey?: string;
  appSecret?: string;
  access: 'full' | 'app-folder';
  redirectUrl: string;
  scopes?: string[];
  business?: { pathRoot?: string; selectUser?: string; selectAdmin?: string };
  endpoints?: { api?: string; content?: string; www?: string };
}

export function checkConnection(def: ConnectionDefinition): Array<[string, string]> {
  const d = def as DropboxConnectionDef;
  const out: Array<[string, string]> = [];
  if (d.app === 'custom' && !d.appKey)
    out.push(['appKey', "is required when app is 'custom' (the App key from the Dropbox App Console)"]);
  if (d.app !== 'custom' && d.appKey)
    out.push(['appKey', "is only used with app: custom (the built-in app's key is set in config.yaml)"]);
  if (d.app !== 'custom' && d.appSecret) out.push(['appSecret', 'is only used with app: custom']);
  if (d.business && d.account !== 'business') out.push(['business', 'is only used with account: business']);
  if (d.business?.selectUser && d.business.selectAdmin)
    out.push(['business.selectAdmin', 'set either selectUser or selectAdmin, not both']);
  if (d.access === 'app-folder' && d.business?.pathRoot && d.business.pathRoot !== 'home') {
    out.push([
      'business.pathRoot',
      'app-folder apps always work in their own folder; remove pathRoot or set access: full',
    ]);
  }
  return out;
}

/** What the connection lists show of a dropbox connection (see ConnectionType.describe). */
export function describeConnection(def: ConnectionDefinition): Record<string, string> {
  const d = def as DropboxConnectionDef;
  return { account: d.account, app: d.app };
}
