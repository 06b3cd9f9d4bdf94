import { SIGNED_OUT } from './signed-out.js';

/** The header that marks the sign-out script's own request (see `/sign-out`). */
export const SIGN_OUT_HEADER = 'x-sign-out';

/**
 * Browser JavaScript defining `foremanSignOut()`, a promise: it asks for `/sign-out` with the
 * signed-out marker as XMLHttpRequest's user and password. The gateway refuses the request's
 * first try (401, same realm as `/sign-in`), the browser tries again with the marker, the gateway
 * accepts it, and the browser keeps the marker in place of the login it had. No prompt is shown:
 * the browser has the marker to answer with. (fetch() cannot do this: it refuses credentials in
 * its URL.) The custom header keeps other sites from signing a user out: it needs a CORS
 * preflight, which they do not pass.
 */
export const SIGN_OUT_FUNCTION = `function foremanSignOut() {
  return new Promise(function (resolve, reject) {
    var request = new XMLHttpRequest();
    request.open('GET', '/sign-out', true, ${JSON.stringify(SIGNED_OUT.login)}, ${JSON.stringify(SIGNED_OUT.password)});
    request.setRequestHeader('${SIGN_OUT_HEADER}', '1');
    request.onload = function () {
      if (request.status === 200) resolve();
      else reject(new Error('the gateway answered HTTP ' + request.status));
    };
    request.onerror = function () { reject(new Error('the gateway could not be reached')); };
    request.send();
  });
}`;
