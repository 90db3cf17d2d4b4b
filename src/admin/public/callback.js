// Runs in the sign-in popup after the admin server finished the OAuth flow: tells the
// page (same origin only) and closes. The page also hears it over server-sent events.
const el = document.getElementById('result');
const msg = {
  type: 'dropcron:oauth',
  ok: el.dataset.ok === 'true',
  connection: el.dataset.connection,
  message: el.dataset.message,
};
if (window.opener && !window.opener.closed) {
  try {
    window.opener.postMessage(msg, window.location.origin);
  } catch {
    /* opener went elsewhere */
  }
}
if (msg.ok) setTimeout(() => window.close(), 1200);
