// Which matches a delete task removes. keepLast ranks every match (not only the old
// ones), so "olderThan: 30d, keepLast: 7" never leaves fewer than 7 backups even when
// the job has not run for a month. Something without a date cannot be ranked or aged,
// so a date rule never deletes it.
import type { Candidate } from './filters.ts';

export interface RetentionRule {
  olderThan?: Date;
  keepLast?: number;
}

export interface Retained<T> {
  remove: T[];
  keep: Array<{ item: T; reason: string }>;
}

export function selectForDeletion<T extends Candidate>(matches: readonly T[], rule: RetentionRule): Retained<T> {
  const remove: T[] = [];
  const keep: Array<{ item: T; reason: string }> = [];
  const dated = rule.olderThan !== undefined || rule.keepLast !== undefined;
  // Newest first; on equal times the later name counts as newer (dated names sort by date).
  const ranked = [...matches].sort(
    (a, b) => (b.modified?.getTime() ?? 0) - (a.modified?.getTime() ?? 0) || (a.relPath < b.relPath ? 1 : -1),
  );
  let rank = 0;
  for (const item of ranked) {
    if (dated && !item.modified) {
      keep.push({ item, reason: 'has no date, perhaps an empty folder, so age rules cannot apply' });
      continue;
    }
    rank++;
    if (rule.keepLast !== undefined && rank <= rule.keepLast) {
      keep.push({ item, reason: `among the ${rule.keepLast} newest (keepLast)` });
    } else if (rule.olderThan && item.modified!.getTime() >= rule.olderThan.getTime()) {
      keep.push({ item, reason: 'not older than olderThan' });
    } else {
      remove.push(item);
    }
  }
  return { remove, keep };
}
