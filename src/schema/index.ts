import './types/node.js';
import './types/image.js';
import './types/compute-resource.js';
import './types/architecture.js';
import './types/operating-system.js';
import './mutations/image.js';
import { builder } from './builder.js';

/** The public GraphQL schema. */
export const schema = builder.toSchema();
