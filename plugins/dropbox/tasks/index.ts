// The Dropbox task types, in the order a job file usually uses them.
import type { TaskType } from '../../../src/plugin.ts';
import { uploadTask } from './upload.ts';
import { listTask } from './list.ts';
import { downloadTask } from './download.ts';
import { createFolderTask } from './create-folder.ts';
import { deleteTask } from './delete.ts';
import { copyTask, moveTask } from './relocate.ts';
import { syncTask } from './sync.ts';

export const dropboxTasks: TaskType[] = [
  uploadTask,
  listTask,
  downloadTask,
  createFolderTask,
  deleteTask,
  copyTask,
  moveTask,
  syncTask,
];
