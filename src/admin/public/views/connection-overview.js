// A connection's overview tab: summary, secrets, the connection test, delete.
import { h, toast } from '../dom.js';
import { api } from '../api.js';
import { timeEl } from '../components.js';
import { bytes } from '../format.js';
import { typeSchemas } from '../schemas.js';
import { fieldApplies } from '../schema-form.js';

export async function overview(c) {
  const schema = (await typeSchemas()).connectionTypes[c.type] ?? {};
  const report = h('div', { id: 'test-report' });
  const testBtn = h(
    'button',
    {
      class: 'btn',
      type: 'button',
      id: 'test',
      onclick: async () => {
        testBtn.disabled = true;
        report.replaceChildren(h('p', { class: 'muted', text: 'Testing…' }));
        try {
          const { report: r } = await api('POST', `/api/connections/${encodeURIComponent(c.name)}/test`);
          report.replaceChildren(testReport(r));
        } catch (ex) {
          report.replaceChildren(h('p', { class: 'error', role: 'alert', text: ex.message }));
        }
        testBtn.disabled = false;
      },
    },
    'Test connection',
  );
  // A secret is listed when set, or when its field applies to these settings (x-showWhen).
  const applies = (k) => fieldApplies(schema, k, c.settings);
  const secretList = Object.entries(c.secrets)
    .filter(([k, s]) => s.set || applies(k))
    .map(([k, s]) =>
      h(
        'li',
        {},
        h('code', { text: k }),
        ': ',
        s.set
          ? h('span', {
              class: 'ok-text',
              text:
                s.source === 'vault'
                  ? 'set (encrypted)'
                  : s.source === 'env'
                    ? `set (from \${${s.variable}})`
                    : 'set in the YAML file (move it here to encrypt it)',
            })
          : h('span', { class: 'muted', text: 'not set' }),
      ),
    );
  return h(
    'div',
    { class: 'grid two' },
    h(
      'div',
      { class: 'card' },
      h('h2', { text: 'Summary' }),
      h(
        'dl',
        { class: 'facts' },
        // What the plugin says about the connection (its describe()), in its order.
        Object.entries(c.facts).flatMap(([k, v]) => [
          h('dt', { text: k[0].toUpperCase() + k.slice(1) }),
          h('dd', { text: v }),
        ]),
        h('dt', { text: 'Proxy' }),
        h('dd', { text: c.proxy }),
        h('dt', { text: 'Last used' }),
        h('dd', {}, timeEl(c.lastUsed)),
        h('dt', { text: 'Used by jobs' }),
        h('dd', { text: c.jobs.length ? c.jobs.join(', ') : 'none' }),
        h('dt', { text: 'Callback URL' }),
        h(
          'dd',
          {},
          h('code', { text: c.callbackUrl }),
          h('div', { class: 'muted small', text: 'Register it with your app to authenticate from this page.' }),
        ),
      ),
      secretList.length ? h('div', {}, h('h3', { text: 'Secrets' }), h('ul', { class: 'plain' }, secretList)) : null,
      h(
        'div',
        { class: 'row' },
        testBtn,
        h(
          'button',
          {
            class: 'btn danger-ghost',
            type: 'button',
            id: 'delete',
            onclick: async () => {
              if (
                !confirm(
                  `Delete connection '${c.name}'? Its file and stored secrets are removed and its access is revoked.`,
                )
              )
                return;
              try {
                await api('DELETE', `/api/connections/${encodeURIComponent(c.name)}`);
                toast(`Deleted ${c.name}.`);
                location.hash = '#/connections';
              } catch (ex) {
                toast(ex.message, 'error');
              }
            },
          },
          'Delete',
        ),
      ),
    ),
    h(
      'div',
      { class: 'card' },
      h('h2', { text: 'Test' }),
      report.childNodes.length
        ? report
        : (report.append(
            h('p', {
              class: 'muted',
              text: 'Checks the account, granted scopes and quota with a round trip through the proxy.',
            }),
          ),
          report),
    ),
  );
}

function testReport(r) {
  const d = r.details || {};
  const quota = d.quota || d.space;
  const used = quota?.used ?? quota?.usedBytes;
  const total = quota?.allocated ?? quota?.total ?? quota?.allocatedBytes;
  return h(
    'div',
    { class: 'stack' },
    h(
      'p',
      {},
      r.ok ? h('span', { class: 'badge authorised', text: 'OK' }) : h('span', { class: 'badge error', text: 'Failed' }),
    ),
    h(
      'dl',
      { class: 'facts' },
      r.lines.flatMap(([k, v]) => [h('dt', { text: k }), h('dd', { text: v })]),
    ),
    typeof used === 'number' && typeof total === 'number' && total > 0
      ? h(
          'div',
          { class: 'quota' },
          h('label', { for: 'quota-bar', text: `Space: ${bytes(used)} of ${bytes(total)} used` }),
          h('progress', { id: 'quota-bar', max: total, value: used, text: `${Math.round((used / total) * 100)}%` }),
        )
      : null,
  );
}
