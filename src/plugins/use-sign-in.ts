import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import { UpstreamError } from '../foreman/errors.js';
import { NO_FRAMING } from '../page-headers.js';
import { returnPath } from '../return-path.js';
import { type CredentialMode, signInStatus } from '../sign-in-status.js';
import { SIGN_OUT_FUNCTION, SIGN_OUT_HEADER } from '../sign-out-script.js';
import { isSignedOut } from '../signed-out.js';

export interface SignInOptions {
  /** Whose credentials reach Foreman; with a service account there is nothing to sign in to. */
  mode: CredentialMode;
  /** Asks Foreman with the request's credentials; rejects with Foreman's (or the guard's) answer. */
  signIn(
    request: Request,
    server: { req?: IncomingMessage; res?: ServerResponse },
  ): Promise<unknown>;
}

const REALM = 'Basic realm="Foreman", charset="UTF-8"';

type Respond = (status: number, body: string | null, headers?: Record<string, string>) => void;

/**
 * The browser's side of Foreman credentials, answered by the gateway itself:
 *
 * - `GET /sign-in`: the browser's own login prompt. Without credentials (or with ones Foreman
 *   refuses) it answers 401 with `WWW-Authenticate`, so the browser asks; with ones Foreman
 *   accepts (checked like any request, through the failed-login protection) it goes back to
 *   `?to=` (GraphiQL by default). The browser then sends them with every request to this origin,
 *   GraphiQL's included. A personal access token works as the password.
 * - `GET /sign-in/status`: who the browser says it is, `{ "login", "mode" }`, from its
 *   Authorization header alone (see sign-in-status.ts). GraphiQL shows it.
 * - `GET /sign-out`: makes the browser forget the login by replacing it with the signed-out
 *   marker (see signed-out.ts and sign-out-script.ts). Never sent to Foreman.
 */
export function useSignIn(options: SignInOptions): Plugin {
  return {
    onRequest({ request, url, endResponse, fetchAPI, serverContext }) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return;
      const respond: Respond = (status, body, headers = {}) =>
        endResponse(
          new fetchAPI.Response(body, {
            status,
            headers: { 'cache-control': 'no-store', ...NO_FRAMING, ...headers },
          }),
        );
      switch (url.pathname) {
        case '/sign-in':
          return signIn(request, url, respond, serverContext);
        case '/sign-in/status':
          return respond(200, JSON.stringify(status(request)), {
            'content-type': 'application/json; charset=utf-8',
          });
        case '/sign-out':
          return signOut(request, respond);
        default:
          return;
      }
    },
  };

  function status(request: Request) {
    return signInStatus(request.headers.get('authorization') ?? undefined, options.mode);
  }

  async function signIn(
    request: Request,
    url: URL,
    respond: Respond,
    serverContext: unknown,
  ): Promise<void> {
    const page = (code: number, title: string, text: string, headers = {}) =>
      respond(code, html(title, text), { 'content-type': 'text/html; charset=utf-8', ...headers });
    if (options.mode === 'service-account') {
      page(404, 'Nothing to sign in to', SERVICE_ACCOUNT_HELP);
      return;
    }
    const authorization = request.headers.get('authorization') ?? undefined;
    // After a sign-out the browser sends the marker: that is no one, so it is asked again.
    if (!authorization || isSignedOut(authorization)) {
      page(401, 'Sign in to Foreman', SIGN_IN_HELP, { 'www-authenticate': REALM });
      return;
    }
    try {
      await options.signIn(request, serverContext as never);
    } catch (error) {
      if (!(error instanceof UpstreamError)) throw error;
      if (error.kind === 'login_budget') {
        const wait = String(Math.ceil((error.retryAfterMs ?? 60_000) / 1000));
        page(429, 'Too many failed logins', escapeHtml(error.message), { 'retry-after': wait });
      } else if (error.status === 401 || error.kind === 'credentials_refused') {
        page(401, 'Foreman refused that login', SIGN_IN_HELP, { 'www-authenticate': REALM });
      } else {
        page(502, 'Foreman did not answer', 'Try again in a moment.');
      }
      return;
    }
    respond(303, null, { location: returnPath(url.searchParams.get('to')) });
  }

  /**
   * The marker is accepted; the sign-out script's own request without it is refused with the
   * realm's challenge, so the browser tries again with the marker. Anyone else (a link, a typed
   * URL) gets a page with a button, not a login prompt.
   */
  function signOut(request: Request, respond: Respond): void {
    const authorization = request.headers.get('authorization') ?? undefined;
    if (isSignedOut(authorization)) {
      respond(200, JSON.stringify({ signedOut: true }), {
        'content-type': 'application/json; charset=utf-8',
      });
    } else if (request.headers.has(SIGN_OUT_HEADER)) {
      respond(401, null, { 'www-authenticate': REALM });
    } else {
      respond(200, html('Sign out', SIGN_OUT_PAGE), { 'content-type': 'text/html; charset=utf-8' });
    }
  }
}

const SIGN_IN_HELP =
  'Sign in with your Foreman login. A personal access token works as the password. <a href="/sign-in">Try again</a> or <a href="/graphql">go back to GraphiQL</a>.';

const SERVICE_ACCOUNT_HELP =
  'This gateway acts as its service account for everyone: there is no signing in. <a href="/graphql">Go back to GraphiQL</a>.';

const SIGN_OUT_PAGE = `<span id="sign-out-text">Your browser keeps your Foreman login for this site until it is told to forget it.</span> <button id="sign-out" type="button">Sign out</button>
<script>
${SIGN_OUT_FUNCTION}
document.getElementById('sign-out').addEventListener('click', function (event) {
  var text = document.getElementById('sign-out-text');
  foremanSignOut().then(
    function () {
      event.target.remove();
      text.innerHTML = 'You are signed out. <a href="/graphql">Go back to GraphiQL</a> or <a href="/sign-in">sign in</a>.';
    },
    function (error) { text.textContent = 'Signing out failed: ' + error.message; },
  );
});
</script>`;

function html(title: string, text: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body style="font-family:sans-serif;max-width:40em;margin:3em auto"><h1>${title}</h1><p>${text}</p></body></html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
