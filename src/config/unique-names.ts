// Names are unique across files: the first file (in load order) keeps a name, and each
// later file that uses it again gets a problem naming the first.
import type { ConfigProblem } from './problems.ts';
import type { YamlFile } from './yaml-file.ts';

/** A checker for one kind of file; call it with each file's `name` in load order. */
export function uniqueNames(kind: 'connection' | 'job'): (yf: YamlFile, name: string) => ConfigProblem[] {
  const firstFile = new Map<string, string>();
  return (yf, name) => {
    const other = firstFile.get(name);
    if (!other) {
      firstFile.set(name, yf.file);
      return [];
    }
    return [
      {
        file: yf.file,
        ...yf.position(['name']),
        path: 'name',
        message: `duplicate ${kind} name '${name}' (also in ${other})`,
      },
    ];
  };
}
