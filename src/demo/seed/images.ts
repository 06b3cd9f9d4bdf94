import type {
  ArchitectureRecord,
  ComputeResourceRecord,
  ImageRecord,
  OperatingsystemRecord,
} from '../records.js';
import { Prng, utc } from './prng.js';

/** How many images each compute resource gets, and what its provider can run. */
interface ImagePlan {
  computeResourceId: number;
  count: number;
  osIds: number[];
  archIds: number[];
}

/**
 * Deliberately uneven: vcenter-prod has more than 250 images so paging and id batching need
 * several upstream pages, and kvm-empty has none.
 */
const PLANS: readonly ImagePlan[] = [
  { computeResourceId: 1, count: 42, osIds: [1, 2, 3, 4, 5, 6, 7, 8], archIds: [1, 2, 3, 4, 5] },
  { computeResourceId: 2, count: 300, osIds: [1, 2, 3, 4, 5, 6, 7, 8, 9], archIds: [1] },
  { computeResourceId: 3, count: 60, osIds: [1, 2, 3, 4, 5, 6, 7, 8, 9], archIds: [1, 3] },
  { computeResourceId: 4, count: 24, osIds: [1, 2, 3, 4, 8], archIds: [1, 4] },
  { computeResourceId: 5, count: 31, osIds: [2, 3, 4, 5, 6, 7], archIds: [1, 3] },
  { computeResourceId: 6, count: 7, osIds: [2, 7, 9], archIds: [1, 3] },
];

const OS_SLUGS: Record<number, string> = {
  1: 'rhel-8.10',
  2: 'rhel-9.4',
  3: 'centos-stream-9',
  4: 'almalinux-9.4',
  5: 'debian-12',
  6: 'ubuntu-22.04',
  7: 'ubuntu-24.04',
  8: 'sles-15.5',
  9: 'win2022',
};

const ROLES = ['base', 'minimal', 'web', 'db', 'k8s-node', 'ci-runner', 'hardened', 'gpu', 'cis'];
const IAM_ROLES = ['foreman-provisioner', 'ssm-managed-instance', 'eks-worker-node'];

type Draft = Omit<ImageRecord, 'id'>;

interface Catalog {
  architectures: ArchitectureRecord[];
  operatingsystems: OperatingsystemRecord[];
  computeResources: ComputeResourceRecord[];
}

export function seedImages(catalog: Catalog): ImageRecord[] {
  const prng = new Prng(0x00f0_4e3a);
  const queues = PLANS.map((plan) => planImages(plan, catalog, prng));
  // Interleave the compute resources' images so ids are not contiguous per compute resource.
  const images: ImageRecord[] = [];
  let remaining = queues.reduce((sum, queue) => sum + queue.length, 0);
  while (remaining > 0) {
    let ticket = prng.int(1, remaining);
    const queue = queues.find((q) => {
      ticket -= q.length;
      return ticket <= 0;
    });
    const draft = queue?.shift();
    if (!draft) break;
    images.push({ id: images.length + 1, ...draft });
    remaining -= 1;
  }
  return images;
}

function planImages(plan: ImagePlan, catalog: Catalog, prng: Prng): Draft[] {
  const cr = catalog.computeResources.find((c) => c.id === plan.computeResourceId);
  if (!cr) throw new Error(`seed: unknown compute resource ${plan.computeResourceId}`);
  const perOs = new Map<number, number>();
  const uuids = new Set<string>();
  const drafts: Draft[] = [];
  for (let i = 0; i < plan.count; i += 1) {
    const osId = prng.pick(plan.osIds);
    const os = catalog.operatingsystems.find((o) => o.id === osId);
    if (!os) throw new Error(`seed: unknown operating system ${osId}`);
    const archId = pickArchitecture(os, plan.archIds, prng);
    const arch = catalog.architectures.find((a) => a.id === archId);
    const nth = perOs.get(osId) ?? 0;
    perOs.set(osId, nth + 1);
    // Role and generation come from a per-(CR, OS) counter, so names are unique there.
    const role = ROLES[nth % ROLES.length] ?? 'base';
    const generation = Math.floor(nth / ROLES.length) + 1;
    const archSuffix = archId === 1 || !arch ? '' : `-${arch.name}`;
    const versionSuffix = generation === 1 ? '' : `-v${generation}`;
    const name = `${OS_SLUGS[osId] ?? os.name.toLowerCase()}${archSuffix}-${role}${versionSuffix}`;
    // An image cannot predate its operating system or compute resource.
    const createdAt = randomInstant(prng, Math.max(os.createdAt.getTime(), cr.createdAt.getTime()));
    drafts.push({
      name,
      uuid: uniqueUuid(cr, name, prng, uuids),
      username: usernameFor(cr, os, prng),
      password: passwordFor(cr, os, prng),
      userData: userDataFor(cr, prng),
      iamRole: cr.type === 'Foreman::Model::EC2' && prng.chance(0.15) ? prng.pick(IAM_ROLES) : null,
      operatingsystemId: osId,
      computeResourceId: cr.id,
      architectureId: archId,
      createdAt,
      updatedAt: prng.chance(0.5) ? createdAt : laterInstant(createdAt, prng),
    });
  }
  return drafts;
}

function pickArchitecture(os: OperatingsystemRecord, allowed: number[], prng: Prng): number {
  const candidates = os.architectureIds.filter((id) => allowed.includes(id));
  if (candidates.includes(1) && prng.chance(0.7)) return 1;
  return candidates.length > 0 ? prng.pick(candidates) : 1;
}

function uniqueUuid(cr: ComputeResourceRecord, name: string, prng: Prng, seen: Set<string>) {
  for (;;) {
    const uuid = providerUuid(cr, name, prng);
    if (!seen.has(uuid)) {
      seen.add(uuid);
      return uuid;
    }
  }
}

function providerUuid(cr: ComputeResourceRecord, name: string, prng: Prng): string {
  switch (cr.type) {
    case 'Foreman::Model::EC2':
      return `ami-${prng.hex(17)}`;
    case 'Foreman::Model::Vmware':
      return `Templates/${name}`;
    case 'Foreman::Model::Libvirt':
      return `/var/lib/libvirt/images/${name}.qcow2`;
    default:
      return prng.uuid();
  }
}

function usernameFor(cr: ComputeResourceRecord, os: OperatingsystemRecord, prng: Prng): string {
  if (os.family === 'Windows') return 'Administrator';
  if (os.name === 'Ubuntu') return 'ubuntu';
  if (os.name === 'Debian') return cr.type === 'Foreman::Model::EC2' ? 'admin' : 'debian';
  if (cr.type === 'Foreman::Model::EC2') return 'ec2-user';
  if (cr.type === 'Foreman::Model::Vmware' || cr.type === 'Foreman::Model::Libvirt') {
    return prng.chance(0.8) ? 'root' : 'cloud-user';
  }
  return 'cloud-user';
}

function passwordFor(cr: ComputeResourceRecord, os: OperatingsystemRecord, prng: Prng) {
  if (cr.type === 'Foreman::Model::EC2') return null;
  if (os.family === 'Windows') return prng.chance(0.6) ? `Win-${prng.hex(6)}!` : null;
  return prng.chance(0.15) ? `changeme-${prng.hex(4)}` : null;
}

function userDataFor(cr: ComputeResourceRecord, prng: Prng): boolean {
  switch (cr.type) {
    case 'Foreman::Model::Libvirt':
      return false;
    case 'Foreman::Model::EC2':
      return prng.chance(0.85);
    case 'Foreman::Model::Openstack':
      return prng.chance(0.9);
    default:
      return prng.chance(0.45);
  }
}

const RANGE_START = utc(2023, 1, 2).getTime();
const RANGE_END = utc(2025, 6, 30).getTime();

function randomInstant(prng: Prng, notBefore: number): Date {
  const start = Math.max(RANGE_START, notBefore);
  const seconds = Math.floor((RANGE_END - start) / 1000);
  return new Date(start + prng.int(0, seconds) * 1000);
}

function laterInstant(from: Date, prng: Prng): Date {
  return new Date(from.getTime() + prng.int(3_600, 120 * 86_400) * 1000);
}
