import type { FaultRule } from '../types.js';
import { type DemoResponse, JSON_TYPE, proxyErrorPage } from './responses.js';

interface ActiveRule {
  rule: FaultRule;
  remaining: number;
}

/** Injected faults, checked in order; a rule disappears once its `times` are used up. */
export class FaultList {
  #rules: ActiveRule[] = [];

  add(rule: FaultRule): void {
    const times = rule.times ?? 1;
    if (!(times > 0)) throw new RangeError(`FaultRule.times must be positive, got ${times}`);
    this.#rules.push({ rule: { ...rule }, remaining: times });
  }

  clear(): void {
    this.#rules = [];
  }

  /** The first rule matching the request, consuming one of its uses. */
  take(method: string, path: string): FaultRule | undefined {
    const active = this.#rules.find(({ rule }) => matches(rule, method, path));
    if (!active) return undefined;
    active.remaining -= 1;
    if (active.remaining <= 0) this.#rules = this.#rules.filter((r) => r !== active);
    return active.rule;
  }
}

function matches(rule: FaultRule, method: string, path: string): boolean {
  if (rule.method !== undefined && rule.method.toUpperCase() !== method) return false;
  if (rule.path === undefined) return true;
  if (typeof rule.path === 'string') return rule.path === path;
  rule.path.lastIndex = 0;
  return rule.path.test(path);
}

const DEFAULT_MESSAGES: Record<number, string> = {
  401: 'Unable to authenticate user ',
  403: 'Access denied',
  500: 'Internal Server Error',
};

/** Whether the rule stands for the reverse proxy's own error page rather than a Rails answer. */
function fromProxy(rule: FaultRule & { status: number }): boolean {
  return rule.body === undefined && [502, 503, 504].includes(rule.status);
}

/**
 * The answer of a rule with a status. Without a body, 502/503/504 get the HTML page of the
 * reverse proxy in front of Foreman; other statuses a Foreman-style JSON error, which like every
 * Rails answer echoes the request id (rule headers still win).
 */
export function faultResponse(
  rule: FaultRule & { status: number },
  requestId: string,
): DemoResponse {
  const { status } = rule;
  let body: string;
  let contentType: string;
  if (rule.body !== undefined) {
    body = rule.body;
    contentType = rule.contentType ?? JSON_TYPE;
  } else if (fromProxy(rule)) {
    body = proxyErrorPage(status);
    contentType = rule.contentType ?? 'text/html; charset=iso-8859-1';
  } else {
    const message = DEFAULT_MESSAGES[status] ?? `Request failed with status ${status}`;
    body = JSON.stringify({ error: { message } });
    contentType = rule.contentType ?? JSON_TYPE;
  }
  const headers: Record<string, string> = { 'content-type': contentType };
  if (!fromProxy(rule)) headers['x-request-id'] = requestId;
  for (const [name, value] of Object.entries(rule.headers ?? {}))
    headers[name.toLowerCase()] = value;
  return { status, headers, body };
}
