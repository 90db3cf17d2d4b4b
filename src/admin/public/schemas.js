// The plugins' schemas (GET /api/schemas), fetched once per page load: the forms are
// built from them, and a connection type's `x-ui` holds its display text.
import { api } from './api.js';

let pending;
/** { connectionTypes: { type: schema }, taskTypes: { name: schema } } */
export function typeSchemas() {
  pending ??= api('GET', '/api/schemas').catch((ex) => {
    pending = undefined; // a failed fetch is tried again next time
    throw ex;
  });
  return pending;
}

/** A connection type's display text (its schema's `x-ui`), with neutral words where it gives none. */
export async function uiText(type) {
  const { connectionTypes } = await typeSchemas();
  return {
    service: 'the service',
    pasteCodeHint:
      'Open this address in any browser (on any machine), sign in and allow access, then paste the code shown.',
    pasteCodeLabel: 'Code',
    ...connectionTypes[type]?.['x-ui'],
  };
}
