/**
 * The Foreman API v2-compatible demo upstream: `npm start` without Foreman, and test fixture.
 * Real HTTP on loopback with a realistic seed, behaving as Foreman does, failures included:
 * - in front of the controllers: Apache's request-line limit (414), Puma's request slots,
 *   Rails' RemoteIp and RequestId, and the failed-login lockout per remote IP;
 * - architectures, operating systems, compute resources, images (with writes) and audits, with
 *   scoped_search, will_paginate, permissions and taxonomies;
 * - PostgreSQL's errors where Foreman passes them on (foreign keys, int4 literals in searches);
 * - an audit row with every image write, and `foremanUi` for changes made outside the API.
 */

export { DatabaseError } from './database-errors.js';
export { DEFAULT_MAX_RECORDED_REQUESTS, MAX_RECORDED_BODY_BYTES } from './http/request-log.js';
export type {
  ArchitectureRecord,
  AuditableType,
  AuditedValue,
  AuditRecord,
  ComputeResourceRecord,
  DemoData,
  ImageRecord,
  OperatingsystemRecord,
} from './records.js';
export { createSeed } from './seed/index.js';
export { startDemoUpstream } from './server.js';
export { DemoStore } from './store.js';
export type {
  DemoAccountChanges,
  DemoUpstream,
  DemoUpstreamOptions,
  FaultRule,
  RecordedRequest,
  RequestCounts,
} from './types.js';
export {
  DEMO_ADMIN,
  DEMO_ADMIN_TOKEN,
  DEMO_VIEWER,
  DEMO_VIEWER_TOKEN,
  type DemoUser,
  extraUser,
  UnknownDemoUserError,
} from './users.js';
export {
  type ForemanUi,
  type ForemanUiChange,
  type ForemanUiImageAttributes,
  type ForemanUiOperatingsystemChanges,
  type ForemanUiOptions,
  type ForemanUiRecordChange,
  ForemanUiValidationError,
  type SlowTransaction,
} from './writes/foreman-ui.js';
