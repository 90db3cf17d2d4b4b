// A job's tasks, with their remote folders (options the task schema marks `x-remotePath`)
// editable in place, each labelled with its schema's title: the plugin's words, not ours.
import { h, toast } from '../dom.js';
import { api } from '../api.js';
import { browseFolders } from './folder-browser.js';

/** `taskSchemas`: each task type's options schema by name (GET /api/schemas' taskTypes). */
export function tasksCard(job, taskSchemas) {
  return h(
    'div',
    { class: 'card' },
    h('h2', { text: 'Tasks' }),
    h(
      'ol',
      { class: 'tasks' },
      job.taskDetails.map((t) => {
        const keys = Object.keys(t.folders);
        const props = taskSchemas[t.type]?.properties ?? {};
        return h(
          'li',
          {},
          h('strong', { text: t.type }),
          keys.length
            ? h(
                'div',
                { class: 'folders' },
                keys.map((k) => {
                  const id = `task-${t.index}-${k}`;
                  const input = h('input', {
                    id,
                    value: t.folders[k] ?? '',
                    placeholder: '/folder',
                    spellcheck: 'false',
                    'data-task': t.index,
                    'data-key': k,
                  });
                  return h(
                    'div',
                    { class: 'field inline' },
                    h('label', { for: id, text: props[k]?.title ?? k }),
                    h(
                      'div',
                      { class: 'row' },
                      input,
                      h(
                        'button',
                        {
                          type: 'button',
                          class: 'btn small',
                          'data-choose': id,
                          onclick: async () => {
                            // Start in the parent of the current folder (before any {placeholder}).
                            const cur = input.value.trim();
                            const start = cur.startsWith('/')
                              ? cur
                                  .replace(/\{.*$/, '')
                                  .replace(/\/+$/, '')
                                  .replace(/\/[^/]*$/, '')
                              : '';
                            const path = await browseFolders(job.connection, start);
                            if (path !== null) {
                              input.value = path || '/';
                              input.dispatchEvent(new Event('input'));
                            }
                          },
                        },
                        'Choose…',
                      ),
                      h(
                        'button',
                        {
                          type: 'button',
                          class: 'btn small primary',
                          'data-save': id,
                          onclick: async () => {
                            try {
                              const saved = await api(
                                'PATCH',
                                `/api/jobs/${encodeURIComponent(job.name)}/tasks/${t.index}`,
                                { folders: { [k]: input.value.trim() } },
                                job.version,
                              );
                              job.version = saved.job.version; // the next save is based on this one
                              toast(`Saved ${k} of task ${t.index + 1}.`);
                            } catch (ex) {
                              toast(ex.message, 'error', ex);
                            }
                          },
                        },
                        'Save',
                      ),
                    ),
                  );
                }),
              )
            : null,
        );
      }),
    ),
  );
}
