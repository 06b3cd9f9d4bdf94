import { SIGN_OUT_FUNCTION } from './sign-out-script.js';

/**
 * The slim bar above GraphiQL: who you are (asked of `/sign-in/status` once the page is up, since
 * the page itself is the same for everyone and cached), Sign in or Sign out, and, where the
 * gateway refuses introspection, why GraphiQL has no completion or docs. It takes its own line
 * above GraphiQL, which gets the rest of the window: nothing floats over the editors or results,
 * and on a narrow window the bar wraps onto more lines rather than cutting its text.
 */
export function graphiqlBar(options: { introspection: boolean }): string {
  const introspectionOff = options.introspection
    ? ''
    : '<span id="foreman-introspection-off">Introspection is off on this gateway: GraphiQL has no completion, checks or docs here; operations still run.</span>';
  return `<style>
html, body { height: 100%; }
body { display: flex; flex-direction: column; }
#root { order: 1; flex: 1; min-height: 0; }
/* GraphiQL nests two containers, each 100vh high: here they fill what the bar leaves. */
#root .graphiql-container { height: 100%; width: 100%; }
#foreman-bar { order: 0; flex: none; display: flex; flex-wrap: wrap; align-items: baseline; gap: 2px 16px; padding: 5px 16px; font: 13px/1.45 system-ui, sans-serif; background: #f2f4f7; color: #2b2f36; border-bottom: 1px solid #d9dde3; }
#foreman-bar a, #foreman-bar button { color: #0b57d0; }
#foreman-bar button { font: inherit; padding: 0; border: 0; background: none; text-decoration: underline; cursor: pointer; }
#foreman-introspection-off { color: #8a4b00; }
body.graphiql-dark #foreman-bar { background: #1c2128; color: #d7dce2; border-bottom-color: #30363d; }
body.graphiql-dark #foreman-bar a, body.graphiql-dark #foreman-bar button { color: #7fb2ff; }
body.graphiql-dark #foreman-introspection-off { color: #f0b86e; }
</style>
<div id="foreman-bar"><span id="foreman-identity" role="status">Checking who you are…</span><span id="foreman-actions"></span>${introspectionOff}</div>
<script>
(function () {
  ${SIGN_OUT_FUNCTION.replace(/\n/g, '\n  ')}
  var identity = document.getElementById('foreman-identity');
  var actions = document.getElementById('foreman-actions');
  function signInLink(text) {
    var link = document.createElement('a');
    link.href = '/sign-in?to=/graphql';
    link.textContent = text;
    return link;
  }
  function show(status) {
    actions.textContent = '';
    if (status.mode === 'service-account') {
      identity.textContent = 'Every operation acts as this gateway’s service account.';
    } else if (status.login) {
      identity.textContent = 'Signed in as ';
      var login = document.createElement('strong');
      login.textContent = status.login;
      identity.append(login, '.');
      var button = document.createElement('button');
      button.type = 'button';
      button.textContent = 'Sign out';
      button.addEventListener('click', signOut);
      actions.append(button);
      if (status.mode === 'demo') actions.append(' (then you act as the demo admin again)');
    } else if (status.mode === 'demo') {
      identity.textContent = 'Demo: you act as the demo admin.';
      actions.append(signInLink('Sign in'), ' as someone else (viewer / viewer).');
    } else {
      identity.textContent = 'Not signed in: Foreman answers UNAUTHENTICATED.';
      actions.append(signInLink('Sign in'), ' with your Foreman login (a personal access token works as the password).');
    }
  }
  function refresh() {
    return fetch('/sign-in/status', { cache: 'no-store' })
      .then(function (response) {
        if (!response.ok) throw new Error('HTTP ' + response.status);
        return response.json();
      })
      .then(show, function () {
        identity.textContent = 'Could not tell who you are.';
        actions.textContent = '';
        actions.append(signInLink('Sign in'));
      });
  }
  function signOut() {
    identity.textContent = 'Signing out…';
    actions.textContent = '';
    foremanSignOut().then(refresh, function (error) {
      refresh().then(function () {
        identity.prepend('Signing out failed (' + error.message + '). ');
      });
    });
  }
  refresh();
})();
</script>`;
}
