import type { DemoData } from '../records.js';
import { seedAudits } from './audits.js';
import { COMPUTE_PROFILES, seedComputeResources } from './compute.js';
import { seedImages } from './images.js';
import { seedOperatingsystems } from './operatingsystems.js';
import {
  MEDIA,
  PROVISIONING_TEMPLATES,
  PTABLES,
  seedArchitectures,
  seedLocations,
  seedOrganizations,
  TEMPLATE_KINDS,
} from './reference.js';

/** The pristine demo database; every call builds fresh, identical records. */
export function createSeed(): DemoData {
  const architectures = seedArchitectures();
  const operatingsystems = seedOperatingsystems();
  const computeResources = seedComputeResources();
  const images = seedImages({ architectures, operatingsystems, computeResources });
  return {
    architectures,
    operatingsystems,
    computeResources,
    images,
    locations: seedLocations(),
    organizations: seedOrganizations(),
    media: MEDIA.map((m) => ({ ...m })),
    ptables: PTABLES.map((p) => ({ ...p })),
    templateKinds: TEMPLATE_KINDS.map((k) => ({ ...k })),
    provisioningTemplates: PROVISIONING_TEMPLATES.map((t) => ({ ...t })),
    computeProfiles: COMPUTE_PROFILES.map((p) => ({ ...p })),
    audits: seedAudits({ architectures, operatingsystems, computeResources, images }),
  };
}
