// Which object keys the logger censors. Config fields are secret because their schema
// says so (`"x-secret": true`), so a new secret field is censored the moment it is
// flagged, whatever its name; only secrets that no schema describes are listed here.
import configSchema from './config/schemas/config.schema.json' with { type: 'json' };
import connectionSchema from './config/schemas/connection.schema.json' with { type: 'json' };
import jobSchema from './config/schemas/job.schema.json' with { type: 'json' };
import proxySchema from './net/proxy.schema.json' with { type: 'json' };
import type { JsonSchema } from './plugin.ts';

/**
 * Secrets that are not config fields: HTTP headers, OAuth request and response
 * fields, tokens and keys the daemon handles itself, and the admin sign-in body's
 * `password`, which must stay censored even if the config key were renamed.
 * Compared case-insensitively, like every key here.
 */
export const NON_SCHEMA_SECRET_KEYS = [
  'secret',
  'client_secret',
  'password',
  'token',
  'access_token',
  'refresh_token',
  'accesstoken',
  'refreshtoken',
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'code_verifier',
  'codeverifier',
  'masterkey',
  'apikey',
  'adminpassword',
  'admintoken',
];

/**
 * Lower-cased secret keys. The core's schemas are read here, at import; plugin schemas
 * are added by the Registry as each plugin is registered. pino's own `redact` fixes its
 * paths when the logger is built, which may be before plugins load; the logger instead
 * asks this set on every line (src/log.ts). No line can carry a plugin's config data
 * before that plugin is registered: its connections and jobs are loaded through it.
 */
const secretKeys = new Set(NON_SCHEMA_SECRET_KEYS);

/** Adds every property name a schema flags `x-secret`, at any depth (properties, items, branches, definitions). */
export function registerSecretFields(schema: JsonSchema): void {
  for (const key of flaggedKeys(schema)) secretKeys.add(key.toLowerCase());
}

export function isSecretKey(key: string): boolean {
  return secretKeys.has(key.toLowerCase());
}

function flaggedKeys(node: unknown, out = new Set<string>(), seen = new Set<object>()): Set<string> {
  if (node === null || typeof node !== 'object' || seen.has(node)) return out;
  seen.add(node);
  const props = (node as { properties?: unknown }).properties;
  if (props && typeof props === 'object')
    for (const [key, sub] of Object.entries(props))
      if ((sub as Record<string, unknown> | null)?.['x-secret'] === true) out.add(key);
  for (const child of Object.values(node)) flaggedKeys(child, out, seen);
  return out;
}

for (const schema of [configSchema, connectionSchema, jobSchema, proxySchema]) registerSecretFields(schema);
