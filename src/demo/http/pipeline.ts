import type { HandlerContext, TaxonomyContext } from '../handlers/context.js';
import { QueryNotSupported } from '../search/errors.js';
import type { DemoStore } from '../store.js';
import { type DemoAccount, hasPermission } from '../users.js';
import type { BruteforceProtection } from './bruteforce-protection.js';
import { type DemoRequest, mediaType, mergeParams, paramString, parseJsonBody } from './request.js';
import {
  DemoHttpError,
  type DemoResponse,
  errorResponse,
  fail,
  json,
  routingNotFound,
} from './responses.js';
import { matchRoute, PUBLIC } from './router.js';
import { activeRecordId, isBlank } from './ruby.js';

export interface PipelineEnv {
  store: DemoStore;
  bruteforce: BruteforceProtection;
  defaultPerPage: number;
  now(): Date;
}

export interface PipelineResult {
  response: DemoResponse;
  /** The authenticated login, for the request record. */
  login: string | null;
}

/**
 * One request through Foreman's before_action chain: routing, JSON parsing, authorize
 * (brute-force lock, 401, disabled account 401, then 403), info headers, set_taxonomy (404), check_media_type (415),
 * then the action, which resolves the nested parent and the record itself. Rails' RequestId
 * middleware echoes the request id on every answer, routing errors included.
 */
export function handleRequest(env: PipelineEnv, request: DemoRequest): PipelineResult {
  const result = runController(env, request);
  return {
    ...result,
    response: withHeaders(result.response, { 'X-Request-Id': request.requestId }),
  };
}

function runController(env: PipelineEnv, request: DemoRequest): PipelineResult {
  const route = matchRoute(request.method, request.path);
  if (!route) {
    const auth = env.store.accounts.authenticate(request.headers.authorization);
    return {
      response: routingNotFound(request.headers.accept),
      login: auth.ok ? auth.account.login : null,
    };
  }
  const headers: Record<string, string> = {};
  let login: string | null = null;
  if (route.permission === PUBLIC) {
    // Nothing before the action runs (no authorize, so no lock and no failed login), and public
    // actions read nothing of the request.
    return { response: (route.handler as () => DemoResponse)(), login };
  }
  try {
    const body = parseJsonBody(request);
    if (env.bruteforce.blocked(request.remoteIp)) {
      return { response: errorResponse(401, BRUTEFORCE_MESSAGE), login };
    }
    const auth = env.store.accounts.authenticate(request.headers.authorization);
    if (!auth.ok) {
      env.bruteforce.countFailure(request.remoteIp);
      return { response: errorResponse(401, `Unable to authenticate user ${auth.login}`), login };
    }
    login = auth.account.login;
    if (auth.disabled) {
      // Authenticated, so no failed login is counted; authorize refuses it next.
      return { response: errorResponse(401, DISABLED_MESSAGE), login };
    }
    if (route.permission && !hasPermission(auth.account, route.permission)) {
      return { response: accessDenied(route.permission), login };
    }
    headers.Foreman_version = '3.13.0-develop';
    headers.Foreman_api_version = '2';
    const params = mergeParams(body, request.queryEntries, route.pathParams);
    const taxonomy = setTaxonomy(env.store, auth.account, params);
    headers.Foreman_current_location = taxonomyHeader(taxonomy.location);
    headers.Foreman_current_organization = taxonomyHeader(taxonomy.organization);
    checkMediaType(request);
    const ctx: HandlerContext = {
      store: env.store,
      request,
      account: auth.account,
      body,
      params,
      taxonomy,
      defaultPerPage: env.defaultPerPage,
      now: env.now,
    };
    return { response: withHeaders(route.handler(ctx), headers), login };
  } catch (error) {
    return { response: withHeaders(errorToResponse(error), headers), login };
  }
}

/** app/views/api/v2/errors/bruteforce_attempt.json.rabl */
const BRUTEFORCE_MESSAGE = 'Too many tries, please try again in a few minutes.';

/** Api::BaseController#authorize, rendered with the custom_error template. */
const DISABLED_MESSAGE = 'User account is disabled, please contact your administrator';

function accessDenied(permission: string): DemoResponse {
  return json(403, {
    error: {
      message: 'Access denied',
      details: `Missing one of the required permissions: ${permission}`,
      missing_permissions: [permission],
    },
  });
}

/**
 * set_taxonomy: a present, non-blank location_id/organization_id must name a taxonomy
 * the user may use; blank means "any context".
 */
function setTaxonomy(
  store: DemoStore,
  account: DemoAccount,
  params: ReadonlyMap<string, unknown>,
): TaxonomyContext {
  const context: TaxonomyContext = {};
  const kinds = [
    ['location', 'Location', store.locations, account.locationIds],
    ['organization', 'Organization', store.organizations, account.organizationIds],
  ] as const;
  for (const [kind, label, records, allowed] of kinds) {
    const raw = paramString(params.get(`${kind}_id`));
    if (isBlank(raw)) continue;
    const id = activeRecordId(raw);
    const record = records.find((t) => t.id === id);
    if (!record || !(account.admin || allowed.includes(record.id))) {
      fail(404, { message: `${label} with id ${raw} not found` });
    }
    context[kind] = record;
  }
  return context;
}

function taxonomyHeader(taxonomy: { id: number; name: string } | undefined): string {
  return taxonomy ? `${taxonomy.id}; ${taxonomy.name}` : '; ANY';
}

/** check_media_type: POST and PUT need application/json; PATCH and DELETE are not checked. */
function checkMediaType(request: DemoRequest): void {
  if (request.method !== 'POST' && request.method !== 'PUT') return;
  const type = mediaType(request);
  if (type === 'application/json') return;
  fail(415, {
    error: {
      message: `Media type in 'Content-Type: ${type ?? ''}' is unsupported in API v2 for POST and PUT requests. Please use 'Content-Type: application/json'.`,
    },
  });
}

function errorToResponse(error: unknown): DemoResponse {
  if (error instanceof DemoHttpError) return error.response;
  if (error instanceof QueryNotSupported) {
    return json(400, { error: { message: error.message, class: error.rubyClass } });
  }
  // Foreman's rescue_from StandardError.
  return errorResponse(500, error instanceof Error ? error.message : String(error));
}

function withHeaders(response: DemoResponse, headers: Record<string, string>): DemoResponse {
  return { ...response, headers: { ...headers, ...response.headers } };
}
