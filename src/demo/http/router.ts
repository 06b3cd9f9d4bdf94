import { listAudits, showAudit } from '../handlers/audits.js';
import {
  listArchitectures,
  listOperatingsystems,
  showArchitecture,
  showOperatingsystem,
} from '../handlers/catalog.js';
import { listComputeResources, showComputeResource } from '../handlers/compute-resources.js';
import type { RouteHandler } from '../handlers/context.js';
import { createImage, destroyImage, updateImage } from '../handlers/image-writes.js';
import { listImages, showImage } from '../handlers/images.js';
import { json } from './responses.js';

interface RouteDefinition {
  methods: readonly string[];
  pattern: readonly string[];
  handler: RouteHandler;
  /**
   * Checked by `authorize` right after authentication; null for routes open to any user;
   * PUBLIC where the controller skips `authorize` (no login, so no failed login either).
   */
  permission: string | null | typeof PUBLIC;
}

/** `skip_before_action :authorize`: answered without credentials. */
export const PUBLIC = Symbol('public');

export interface RouteMatch {
  handler: RouteHandler;
  permission: string | null | typeof PUBLIC;
  pathParams: Record<string, string>;
}

const status: RouteHandler = () =>
  json(200, { result: 'ok', status: 200, version: '3.13.0-develop', api_version: 2 });

/** Api::V2::PingController#ping: the database's state, for anyone (Ping.ping). */
const ping: RouteHandler = () =>
  json(200, { results: { foreman: { database: { active: true, duration_ms: '0' } } } });

function route(
  methods: readonly string[],
  path: string,
  handler: RouteHandler,
  permission: string | null | typeof PUBLIC,
): RouteDefinition {
  return { methods, pattern: path.split('/'), handler, permission };
}

const GET = ['GET'];
const IMAGE_PARENTS = [
  'compute_resources/:compute_resource_id',
  'operatingsystems/:operatingsystem_id',
  'architectures/:architecture_id',
];

/**
 * The subset of config/routes/api/v2.rb the demo serves. Image CRUD exists under all three
 * parents, as in Foreman (apipie documents writes only under compute resources). Foreman routes
 * outside this list (available_images, writes to the other resources, host audits, …) answer
 * like unknown routes.
 */
const ROUTES: readonly RouteDefinition[] = [
  route(GET, 'status', status, null),
  route(GET, 'ping', ping, PUBLIC),
  route(GET, 'architectures', listArchitectures, 'view_architectures'),
  route(GET, 'architectures/:id', showArchitecture, 'view_architectures'),
  route(
    GET,
    'operatingsystems/:operatingsystem_id/architectures',
    listArchitectures,
    'view_architectures',
  ),
  route(GET, 'operatingsystems', listOperatingsystems, 'view_operatingsystems'),
  route(GET, 'operatingsystems/:id', showOperatingsystem, 'view_operatingsystems'),
  route(
    GET,
    'architectures/:architecture_id/operatingsystems',
    listOperatingsystems,
    'view_operatingsystems',
  ),
  route(GET, 'compute_resources', listComputeResources, 'view_compute_resources'),
  route(GET, 'compute_resources/:id', showComputeResource, 'view_compute_resources'),
  route(
    GET,
    'locations/:location_id/compute_resources',
    listComputeResources,
    'view_compute_resources',
  ),
  route(
    GET,
    'organizations/:organization_id/compute_resources',
    listComputeResources,
    'view_compute_resources',
  ),
  route(GET, 'audits', listAudits, 'view_audit_logs'),
  route(GET, 'audits/:id', showAudit, 'view_audit_logs'),
  ...IMAGE_PARENTS.flatMap((parent) => [
    route(GET, `${parent}/images`, listImages, 'view_images'),
    route(['POST'], `${parent}/images`, createImage, 'create_images'),
    route(GET, `${parent}/images/:id`, showImage, 'view_images'),
    route(['PUT', 'PATCH'], `${parent}/images/:id`, updateImage, 'edit_images'),
    route(['DELETE'], `${parent}/images/:id`, destroyImage, 'destroy_images'),
  ]),
];

/**
 * Matches `/api/...` and `/api/v2/...` alike, ignoring one trailing slash. Undecodable or
 * unknown paths, and methods the demo does not serve, are Rails routing errors (null).
 */
export function matchRoute(method: string, path: string): RouteMatch | null {
  const prefix = /^\/api(?:\/v2)?\//.exec(path);
  if (!prefix) return null;
  let segments: string[];
  try {
    segments = path.slice(prefix[0].length).replace(/\/$/, '').split('/').map(decodeURIComponent);
  } catch {
    return null;
  }
  const verb = method === 'HEAD' ? 'GET' : method;
  for (const candidate of ROUTES) {
    if (!candidate.methods.includes(verb)) continue;
    const pathParams = matchPattern(candidate.pattern, segments);
    if (pathParams)
      return { handler: candidate.handler, permission: candidate.permission, pathParams };
  }
  return null;
}

function matchPattern(pattern: readonly string[], segments: string[]) {
  if (pattern.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (const [index, part] of pattern.entries()) {
    const segment = segments[index] ?? '';
    if (part.startsWith(':')) {
      if (segment === '') return null;
      params[part.slice(1)] = segment;
    } else if (part !== segment) {
      return null;
    }
  }
  return params;
}
