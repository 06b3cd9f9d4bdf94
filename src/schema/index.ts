import './types/node.js';
import './types/image.js';
import './types/image-changes.js';
import './types/compute-resource.js';
import './types/architecture.js';
import './types/operating-system.js';
import { meterLists } from '../limits/cost-meter.js';
import { builder } from './builder.js';
import { checkRepresentations } from './entities.js';

/**
 * The schema the gateway serves: the public API plus Apollo Federation v2's `_service` and
 * `_entities`, so the same endpoint works alone and as a subgraph. Its lists count what they
 * return against MAX_COST, and `_entities` refuses representations of no entity type one by one.
 */
export const schema = meterLists(checkRepresentations(builder.toSubGraphSchema({})));
