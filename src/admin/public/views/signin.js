// Sign-in and sign-out: the form in index.html, shown whenever the API answers 401.
import { $ } from '../dom.js';
import { api } from '../api.js';
import { state, refresh } from '../state.js';
import { listen } from '../live.js';
import { hasCluster } from './cluster.js';

export function showSignIn() {
  state.csrf = null;
  state.events?.close();
  state.events = null;
  $('#signin').hidden = false;
  $('#view').replaceChildren();
  $('#nav').hidden = true;
  $('#signout').hidden = true;
  $('#password').focus();
}
export async function signedIn(csrf) {
  state.csrf = csrf;
  $('#signin').hidden = true;
  $('#nav').hidden = false;
  $('#signout').hidden = false;
  listen();
  void hasCluster().then((yes) => ($('#nav-cluster').hidden = !yes));
  await refresh();
}

/** Wires the sign-in form and the sign-out button. */
export function initSignIn() {
  $('#signin-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const err = $('#signin-error');
    err.hidden = true;
    try {
      const { csrf } = await api('POST', '/api/session', { password: $('#password').value });
      $('#password').value = '';
      await signedIn(csrf);
    } catch (ex) {
      err.textContent = ex.message;
      err.hidden = false;
    }
  });
  $('#signout').addEventListener('click', async () => {
    await api('DELETE', '/api/session').catch(() => {});
    showSignIn();
  });
}
