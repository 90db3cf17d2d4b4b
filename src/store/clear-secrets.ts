// Nothing in clear text enters a shared store: a connection file shared by the cluster
// names each secret as ${VAR} (set on every daemon) or leaves it to the vault (sealed
// under the master key), as on one daemon; it never holds the value itself.
import { secretPaths } from '../admin/secrets.ts';
import type { ConfigProblem } from '../config/problems.ts';
import { parseYaml } from '../config/yaml-file.ts';
import type { Registry } from '../registry.ts';

/** The whole value one reference, without a default (a default would be the secret itself). */
const REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?::-)?\}$/;

/** The secret fields of a connection file's text that hold a value, each as a problem at its place. */
export function clearTextSecrets(file: string, text: string, registry: Registry): ConfigProblem[] {
  const yf = parseYaml(file, text, {}); // the raw document: ${VAR} as written
  const type = yf.doc.get('type');
  const ct = typeof type === 'string' ? registry.connectionTypes.get(type) : undefined;
  if (!ct) return [];
  return secretPaths(ct.schema).flatMap((path) => {
    const segs = path.split('.');
    const value: unknown = yf.doc.getIn(segs);
    if (typeof value !== 'string' || value === '' || REFERENCE.test(value)) return [];
    return [
      {
        file,
        ...yf.position(segs),
        path,
        message:
          'is a secret in clear text, which the cluster would share through the database: write ${VAR} and set VAR on every daemon, or enter it in the admin UI (the vault)',
      },
    ];
  });
}
