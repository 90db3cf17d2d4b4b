// Job files written by the admin UI: a new file in the schema's key order, an edit
// that touches only the fields sent (the task list matched task by task, so a task
// that was only moved keeps its comments), and a copy under a new name. Writing and
// checking is yaml-edit.ts's (writeChecked).
import { isMap, isNode, isSeq, parseDocument, type Document } from 'yaml';
import { isDeepStrictEqual } from 'node:util';
import { parseYaml, type Env } from '../config/yaml-file.ts';
import { InvalidEditError, literal, orderedFileText, setChanged } from './yaml-edit.ts';

type Definition = Record<string, unknown>;
type Task = Record<string, unknown>;

const taskType = (t: unknown): string | undefined =>
  t && typeof t === 'object' && !Array.isArray(t) ? Object.keys(t)[0] : undefined;

/** The text of a new job file, keys in the job schema's order. */
export function newJobText(name: string, definition: Definition, order: string[]): string {
  return orderedFileText({ name }, definition, order, ' Created in the dropcron admin UI.');
}

function parsed(file: string, source: string, env: Env): { doc: Document; current: Definition } {
  const doc = parseDocument(source); // raw: ${VAR} stays as written
  const yf = parseYaml(file, source, env);
  if (doc.errors.length || !isMap(doc.contents)) throw new InvalidEditError(yf.problems);
  return { doc, current: (yf.data ?? {}) as Definition };
}

/**
 * Puts `tasks` in place of the file's task list. Each new task reuses the node of an
 * equal task (a task moved up or down keeps its comments), else that of a task of the
 * same type, at its own index if it can (its options edited in place), else a new node.
 */
function setTasks(doc: Document, current: unknown, tasks: Task[]): boolean {
  const seq = doc.get('tasks', true);
  const old = Array.isArray(current) ? (current as Task[]) : [];
  if (!isSeq(seq) || seq.items.length !== old.length) {
    doc.set('tasks', doc.createNode(literal(tasks)));
    return true;
  }
  // Equal tasks first (wherever they moved), then tasks of the same type.
  const used = new Set<number>();
  const picks = tasks.map((t) => {
    const j = old.findIndex((o, k) => !used.has(k) && isDeepStrictEqual(o, t));
    if (j >= 0) used.add(j);
    return j;
  });
  tasks.forEach((t, i) => {
    if (picks[i]! >= 0) return;
    const near = (k: number) => !used.has(k) && taskType(old[k]) === taskType(t);
    const j = near(i) ? i : old.findIndex((_, k) => near(k));
    if (j >= 0) {
      picks[i] = j;
      used.add(j);
    }
  });
  const items = picks.map((j, i) => (j >= 0 ? seq.items[j] : doc.createNode(literal(tasks[i]))));
  const reordered = items.length !== seq.items.length || items.some((n, i) => n !== seq.items[i]);
  // yaml keeps a comment above the first task on the list itself: it belongs to that task.
  const first = seq.items[0];
  if (reordered && seq.commentBefore && isNode(first) && items[0] !== first) {
    first.commentBefore = [seq.commentBefore, first.commentBefore].filter(Boolean).join('\n');
    seq.commentBefore = undefined;
  }
  seq.items = items;
  let changed = reordered;
  tasks.forEach((t, i) => {
    const j = picks[i]!;
    const type = taskType(t);
    if (j < 0 || !type) return;
    if (setChanged(doc, ['tasks', i, type], old[j]?.[type], t[type])) changed = true;
  });
  return changed;
}

/** The new text of a job file after setting the top-level fields in `changes` (null removes one). */
export function editedJobText(file: string, source: string, env: Env, changes: Definition): string {
  const { doc, current } = parsed(file, source, env);
  let changed = false;
  for (const [k, v] of Object.entries(changes)) {
    if (k === 'name') continue;
    const touched =
      k === 'tasks' && Array.isArray(v)
        ? setTasks(doc, current.tasks, v as Task[])
        : setChanged(doc, [k], current[k], v);
    if (touched) changed = true;
  }
  // yaml re-spaces inline comments when it prints; an edit that changed nothing keeps the file as it was.
  return changed ? String(doc) : source;
}

/**
 * A copy of a job file under `name`, comments kept, switched off: the copy would
 * otherwise run the same transfers at the same times as the original.
 */
export function duplicatedJobText(file: string, source: string, env: Env, name: string): string {
  const { doc } = parsed(file, source, env);
  doc.set('name', name);
  doc.set('enabled', false);
  return String(doc);
}
