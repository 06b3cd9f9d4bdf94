import type { DemoAccountChanges, DemoUpstream, FaultRule } from '../types.js';
import { UnknownDemoUserError } from '../users.js';
import { type DemoResponse, json } from './responses.js';

/** Foreman serves nothing under this prefix, so the control API cannot shadow a real route. */
export const CONTROL_PREFIX = '/__demo/';

/** Control bodies are small JSON documents; anything larger is a mistake. */
export const MAX_CONTROL_BODY_BYTES = 1024 * 1024;

/** What the control API drives: the running demo's own methods. */
export type ControlTarget = Pick<
  DemoUpstream,
  | 'requestCounts'
  | 'resetRequests'
  | 'injectFault'
  | 'clearFaults'
  | 'resetData'
  | 'failedLogins'
  | 'resetLockouts'
> & { accounts: DemoAccountChanges };

interface ControlRequest {
  method: string;
  /** The path below CONTROL_PREFIX, split on '/', each segment percent-decoded. */
  segments: string[];
  query: URLSearchParams;
  body: unknown;
}

type ControlHandler = (target: ControlTarget, request: ControlRequest) => DemoResponse;

/**
 * The control API of a demo run as its own process (soak and overload benchmarks), JSON in and
 * out. Answers 400 with `{"error":{"message"}}` for a bad body, 404 for an unknown route or
 * login:
 *
 *   GET    /__demo/requests                 → RequestCounts
 *   DELETE /__demo/requests                 → resetRequests()
 *   POST   /__demo/faults                   FaultRule, with `pathPattern` (a RegExp source)
 *                                           instead of a RegExp `path`, `times` a number or
 *                                           "Infinity"
 *   DELETE /__demo/faults                   → clearFaults()
 *   GET    /__demo/failed-logins?ip=…       → { ip, failedLogins }
 *   DELETE /__demo/failed-logins            → resetLockouts()
 *   POST   /__demo/reset-data               → resetData()
 *   POST   /__demo/accounts/<login>/add-token        { token }
 *   POST   /__demo/accounts/<login>/revoke-token     { token } → { revoked }
 *   POST   /__demo/accounts/<login>/change-password  { password }
 *   POST   /__demo/accounts/<login>/disable
 *   POST   /__demo/accounts/<login>/enable
 */
export function handleControl(target: ControlTarget, request: ControlRequest): DemoResponse {
  const [first, second, action, ...rest] = request.segments;
  let handler: ControlHandler | undefined;
  if (first === 'accounts' && second !== undefined && action !== undefined && rest.length === 0) {
    handler = request.method === 'POST' ? accountHandler(second, action) : undefined;
  } else if (second === undefined && first !== undefined) {
    handler = ROUTES[`${request.method} ${first}`];
  }
  if (!handler) return controlError(404, 'no such control route');
  try {
    return handler(target, request);
  } catch (error) {
    if (error instanceof ControlInputError) return controlError(400, error.message);
    if (error instanceof UnknownDemoUserError) return controlError(404, error.message);
    if (error instanceof RangeError) return controlError(400, error.message);
    throw error;
  }
}

const NO_CONTENT: DemoResponse = { status: 204, headers: {}, body: '' };

const ROUTES: Record<string, ControlHandler> = {
  'GET requests': (target) => json(200, target.requestCounts()),
  'DELETE requests': (target) => {
    target.resetRequests();
    return NO_CONTENT;
  },
  'POST faults': (target, request) => {
    target.injectFault(faultRuleFromJson(request.body));
    return NO_CONTENT;
  },
  'DELETE faults': (target) => {
    target.clearFaults();
    return NO_CONTENT;
  },
  'GET failed-logins': (target, request) => {
    const ip = request.query.get('ip');
    if (!ip) throw new ControlInputError('the ip query parameter is required');
    return json(200, { ip, failedLogins: target.failedLogins(ip) });
  },
  'DELETE failed-logins': (target) => {
    target.resetLockouts();
    return NO_CONTENT;
  },
  'POST reset-data': (target) => {
    target.resetData();
    return NO_CONTENT;
  },
};

function accountHandler(login: string, action: string): ControlHandler | undefined {
  switch (action) {
    case 'add-token':
      return (target, request) => {
        target.accounts.addToken(login, stringField(request.body, 'token'));
        return NO_CONTENT;
      };
    case 'revoke-token':
      return (target, request) =>
        json(200, {
          revoked: target.accounts.revokeToken(login, stringField(request.body, 'token')),
        });
    case 'change-password':
      return (target, request) => {
        target.accounts.changePassword(login, stringField(request.body, 'password'));
        return NO_CONTENT;
      };
    case 'disable':
      return (target) => {
        target.accounts.disable(login);
        return NO_CONTENT;
      };
    case 'enable':
      return (target) => {
        target.accounts.enable(login);
        return NO_CONTENT;
      };
    default:
      return undefined;
  }
}

/** Splits a control path; null when it is not one (or cannot be percent-decoded). */
export function controlSegments(path: string): string[] | null {
  if (!path.startsWith(CONTROL_PREFIX)) return null;
  try {
    return path.slice(CONTROL_PREFIX.length).split('/').map(decodeURIComponent);
  } catch {
    return null;
  }
}

/** Parses a control body: empty means none; anything else must be JSON. */
export function parseControlBody(raw: string): unknown {
  if (raw.trim() === '') return undefined;
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw new ControlInputError(`the body is not JSON: ${(error as Error).message}`);
  }
}

/** A control request the API cannot act on, answered 400. */
export class ControlInputError extends Error {
  override readonly name = 'ControlInputError';
}

export function controlError(status: number, message: string): DemoResponse {
  return json(status, { error: { message } });
}

function stringField(body: unknown, key: string): string {
  const value = isObject(body) ? body[key] : undefined;
  if (typeof value !== 'string' || value === '') {
    throw new ControlInputError(`the body must be a JSON object with a non-empty string "${key}"`);
  }
  return value;
}

const FAULT_KEYS = new Set([
  'method',
  'path',
  'pathPattern',
  'times',
  'status',
  'body',
  'contentType',
  'headers',
  'delayMs',
  'drop',
  'bodyStallMs',
]);

/**
 * A FaultRule from JSON, every field checked: a typo must fail loudly, not inject a rule that
 * matches everything.
 */
export function faultRuleFromJson(value: unknown): FaultRule {
  if (!isObject(value)) throw new ControlInputError('a fault must be a JSON object');
  for (const key of Object.keys(value)) {
    if (!FAULT_KEYS.has(key)) throw new ControlInputError(`unknown fault field "${key}"`);
  }
  const rule: FaultRule = {};
  const text = (key: string): string | undefined => {
    const field = value[key];
    if (field === undefined) return undefined;
    if (typeof field !== 'string') throw new ControlInputError(`"${key}" must be a string`);
    return field;
  };
  const count = (key: string, minimum: number): number | undefined => {
    const field = value[key];
    if (field === undefined) return undefined;
    if (typeof field !== 'number' || !Number.isFinite(field) || field < minimum) {
      throw new ControlInputError(`"${key}" must be a number of at least ${minimum}`);
    }
    return field;
  };
  const method = text('method');
  if (method !== undefined) rule.method = method;
  const path = text('path');
  const pattern = text('pathPattern');
  if (path !== undefined && pattern !== undefined) {
    throw new ControlInputError('give "path" or "pathPattern", not both');
  }
  if (path !== undefined) rule.path = path;
  if (pattern !== undefined) {
    try {
      rule.path = new RegExp(pattern);
    } catch (error) {
      throw new ControlInputError(`"pathPattern" is not a RegExp: ${(error as Error).message}`);
    }
  }
  if (value.times === 'Infinity') rule.times = Number.POSITIVE_INFINITY;
  else {
    const times = count('times', 1);
    if (times !== undefined) {
      if (!Number.isInteger(times)) throw new ControlInputError('"times" must be an integer');
      rule.times = times;
    }
  }
  const status = count('status', 100);
  if (status !== undefined) {
    if (!Number.isInteger(status) || status > 599) {
      throw new ControlInputError('"status" must be an HTTP status from 100 to 599');
    }
    rule.status = status;
  }
  const body = text('body');
  if (body !== undefined) rule.body = body;
  const contentType = text('contentType');
  if (contentType !== undefined) rule.contentType = contentType;
  if (value.headers !== undefined) {
    const headers = value.headers;
    if (!isObject(headers) || Object.values(headers).some((v) => typeof v !== 'string')) {
      throw new ControlInputError('"headers" must be an object of strings');
    }
    rule.headers = headers as Record<string, string>;
  }
  const delayMs = count('delayMs', 0);
  if (delayMs !== undefined) rule.delayMs = delayMs;
  const bodyStallMs = count('bodyStallMs', 0);
  if (bodyStallMs !== undefined) rule.bodyStallMs = bodyStallMs;
  if (value.drop !== undefined) {
    if (typeof value.drop !== 'boolean') throw new ControlInputError('"drop" must be a boolean');
    rule.drop = value.drop;
  }
  return rule;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
