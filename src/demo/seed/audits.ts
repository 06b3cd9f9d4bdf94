import {
  computeResourceAuditedValues,
  imageAuditedValues,
  operatingsystemAuditedValues,
  REDACTED,
} from '../audits/auditor.js';
import { osLabel } from '../os-label.js';
import { computeResourceLabel } from '../providers.js';
import type {
  ArchitectureRecord,
  AuditRecord,
  ComputeResourceRecord,
  ImageRecord,
  OperatingsystemRecord,
} from '../records.js';
import { Prng } from './prng.js';

interface Seeded {
  architectures: ArchitectureRecord[];
  operatingsystems: OperatingsystemRecord[];
  computeResources: ComputeResourceRecord[];
  images: ImageRecord[];
}

type Creation = Pick<
  AuditRecord,
  'auditableType' | 'auditableId' | 'auditableName' | 'auditedChanges' | 'createdAt'
> &
  Partial<Pick<AuditRecord, 'locationIds' | 'organizationIds'>>;

/**
 * The audit log of the seed: one `create` row per architecture, operating system, compute
 * resource and image, written by the admin from the Foreman UI when the record was created. Ids
 * follow creation time, so image rows are interleaved with the other types' and their ids have
 * gaps, as in any Foreman.
 */
export function seedAudits(seeded: Seeded): AuditRecord[] {
  const prng = new Prng(0x00a0_d175);
  const creations: Creation[] = [
    ...seeded.architectures.map((a) => ({
      auditableType: 'Architecture' as const,
      auditableId: a.id,
      auditableName: a.name,
      auditedChanges: { name: a.name },
      createdAt: a.createdAt,
    })),
    ...seeded.operatingsystems.map((o) => ({
      auditableType: 'Operatingsystem' as const,
      auditableId: o.id,
      auditableName: osLabel(o),
      auditedChanges: operatingsystemAuditedValues(o),
      createdAt: o.createdAt,
    })),
    ...seeded.computeResources.map((c) => ({
      auditableType: 'ComputeResource' as const,
      auditableId: c.id,
      auditableName: computeResourceLabel(c),
      auditedChanges: { ...computeResourceAuditedValues(c), password: REDACTED },
      createdAt: c.createdAt,
      locationIds: [...c.locationIds],
      organizationIds: [...c.organizationIds],
    })),
    ...seeded.images.map((i) => {
      const { id: _id, createdAt: _created, updatedAt: _updated, ...columns } = i;
      return {
        auditableType: 'Image' as const,
        auditableId: i.id,
        auditableName: i.name,
        auditedChanges: { ...imageAuditedValues(columns), password: REDACTED },
        createdAt: i.createdAt,
      };
    }),
  ];
  creations.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  return creations.map((creation, index) => ({
    id: index + 1,
    action: 'create',
    version: 1,
    userId: 4,
    username: 'Admin User',
    comment: null,
    remoteAddress: '192.0.2.10',
    requestUuid: prng.uuid(),
    locationIds: [],
    organizationIds: [],
    ...creation,
  }));
}
