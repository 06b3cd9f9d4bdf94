/** The Foreman API v2-compatible demo upstream: `npm start` without Foreman, and test fixture. */

export { DatabaseError } from './database-errors.js';
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
  DemoUpstream,
  DemoUpstreamOptions,
  DemoUser,
  FaultRule,
  RecordedRequest,
} from './types.js';
export { DEMO_ADMIN, DEMO_VIEWER } from './users.js';
export {
  type ForemanUi,
  type ForemanUiChange,
  type ForemanUiImageAttributes,
  type ForemanUiOptions,
  ForemanUiValidationError,
  type SlowTransaction,
} from './writes/foreman-ui.js';
