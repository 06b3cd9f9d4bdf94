import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import { UpstreamError } from '../foreman/errors.js';

export interface SignInOptions {
  /** Asks Foreman with the request's credentials; rejects with Foreman's (or the guard's) answer. */
  signIn(
    request: Request,
    server: { req?: IncomingMessage; res?: ServerResponse },
  ): Promise<unknown>;
}

const REALM = 'Basic realm="Foreman", charset="UTF-8"';

/**
 * `GET /sign-in`: the browser's own login prompt for Foreman credentials. Without credentials (or
 * with ones Foreman refuses) it answers 401 with `WWW-Authenticate`, so the browser asks; with
 * ones Foreman accepts (checked like any request, through the failed-login protection) it goes
 * back to `?to=` (GraphiQL by default). The browser then sends them with every request to this
 * origin, GraphiQL's included. A personal access token works as the password.
 */
export function useSignIn(options: SignInOptions): Plugin {
  return {
    onRequest({ request, url, endResponse, fetchAPI, serverContext }) {
      if (url.pathname !== '/sign-in' || (request.method !== 'GET' && request.method !== 'HEAD')) {
        return;
      }
      return signIn(request, endResponse, fetchAPI, serverContext);
    },
  };

  async function signIn(
    request: Request,
    endResponse: (response: Response) => void,
    fetchAPI: { Response: typeof Response },
    serverContext: unknown,
  ): Promise<void> {
    const page = (status: number, title: string, text: string, headers = {}) =>
      endResponse(
        new fetchAPI.Response(html(title, text), {
          status,
          headers: {
            'content-type': 'text/html; charset=utf-8',
            'cache-control': 'no-store',
            ...headers,
          },
        }),
      );
    if (!request.headers.get('authorization')) {
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
    endResponse(
      new fetchAPI.Response(null, {
        status: 303,
        headers: {
          location: returnPath(new URL(request.url).searchParams.get('to')),
          'cache-control': 'no-store',
        },
      }),
    );
  }
}

const SIGN_IN_HELP =
  'Sign in with your Foreman login. A personal access token works as the password. <a href="/sign-in">Try again</a> or <a href="/graphql">go back to GraphiQL</a>.';

/** Only a path on this origin: `//elsewhere.example` or a full URL would be an open redirect. */
function returnPath(to: string | null): string {
  return to && /^\/(?!\/)[^\s\\]*$/.test(to) ? to : '/graphql';
}

function html(title: string, text: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body style="font-family:sans-serif;max-width:40em;margin:3em auto"><h1>${title}</h1><p>${text}</p></body></html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
