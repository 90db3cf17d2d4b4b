// What the page's modules share: the session's CSRF token, the event stream, the current
// route, the runs seen live; and one way to repaint the page, which app.js (the router) sets.
export const state = { csrf: null, events: null, route: [], live: new Map() };

let router = async () => {};
/** Repaint the current page; `{ quiet: true }` keeps the focus and what someone is typing. */
export const refresh = (opts) => router(opts);
export function setRouter(fn) {
  router = fn;
}
