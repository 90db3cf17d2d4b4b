// Duplicate and delete, beside the job editor's title. Delete asks once more in place
// (no browser dialog); the job's run history stays.
import { h, toast } from '../dom.js';
import { api } from '../api.js';

const enc = encodeURIComponent;

export function jobActions(name) {
  const copyName = h('input', {
    id: 'duplicate-name',
    value: `${name}-copy`,
    'aria-label': 'Name of the copy',
    spellcheck: 'false',
  });
  const duplicate = h(
    'button',
    {
      type: 'button',
      class: 'btn small',
      id: 'duplicate-job',
      onclick: async () => {
        try {
          const { job } = await api('POST', `/api/jobs/${enc(name)}/duplicate`, { name: copyName.value.trim() });
          toast(`Copied to ${job.name} (switched off until you enable it).`);
          location.hash = `#/jobs/${enc(job.name)}/edit`;
        } catch (ex) {
          toast(ex.message, 'error', ex);
        }
      },
    },
    'Duplicate as',
  );
  let armed = false;
  const del = h(
    'button',
    {
      type: 'button',
      class: 'btn small danger-ghost',
      id: 'delete-job',
      onclick: async () => {
        if (!armed) {
          armed = true;
          del.textContent = `Really delete ${name}?`;
          return;
        }
        try {
          await api('DELETE', `/api/jobs/${enc(name)}`);
          toast(`Deleted ${name}; its run history is kept.`);
          location.hash = '#/jobs';
        } catch (ex) {
          toast(ex.message, 'error', ex);
        }
      },
    },
    'Delete',
  );
  return h('div', { class: 'actions row' }, copyName, duplicate, del);
}
