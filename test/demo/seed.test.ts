import { describe, expect, it } from 'vitest';
import { createSeed } from '../../src/demo/index.js';

const seed = createSeed();
const perCr = (id: number) => seed.images.filter((i) => i.computeResourceId === id);

describe('the demo seed', () => {
  it('is deterministic, and every call builds fresh records', () => {
    const again = createSeed();
    expect(JSON.stringify(again)).toBe(JSON.stringify(seed));
    const [image] = again.images;
    const [cr] = again.computeResources;
    if (!image || !cr) throw new Error('empty seed');
    image.name = 'changed';
    cr.locationIds.push(99);
    expect(createSeed().images[0]?.name).toBe(seed.images[0]?.name);
    expect(createSeed().computeResources[0]?.locationIds).toEqual([2]);
  });

  it('has the promised catalog', () => {
    expect(seed.architectures.map((a) => a.name)).toEqual([
      'x86_64',
      'i386',
      'aarch64',
      'ppc64le',
      's390x',
    ]);
    expect(seed.operatingsystems).toHaveLength(9);
    expect(seed.computeResources.map((c) => `${c.id}:${c.name}`)).toEqual([
      '1:kvm-lab',
      '2:vcenter-prod',
      '3:aws-eu-west-1',
      '4:ovirt-dc1',
      '5:openstack-cloud',
      '6:aws-us-east-1',
      '7:kvm-empty',
    ]);
  });

  it('derives OS titles from the description, else "name major[.minor]"', () => {
    const titles = Object.fromEntries(seed.operatingsystems.map((o) => [o.id, o.title]));
    expect(titles[2]).toBe('RHEL 9.4');
    expect(titles[4]).toBe('AlmaLinux 9.4');
    expect(titles[5]).toBe('Debian 12');
    expect(seed.operatingsystems.find((o) => o.id === 5)?.releaseName).toBe('bookworm');
  });

  it('spreads images unevenly: over 250 on vcenter-prod, none on kvm-empty', () => {
    expect(perCr(2).length).toBeGreaterThan(250);
    expect(perCr(7)).toHaveLength(0);
    for (const id of [1, 3, 4, 5, 6]) {
      expect(perCr(id).length).toBeGreaterThanOrEqual(5);
      expect(perCr(id).length).toBeLessThanOrEqual(60);
    }
  });

  it('interleaves ids across compute resources', () => {
    for (const id of [1, 3, 4, 5]) {
      const ids = perCr(id).map((i) => i.id);
      const span = Math.max(...ids) - Math.min(...ids) + 1;
      expect(span).toBeGreaterThan(ids.length * 2);
    }
    expect(seed.images.map((i) => i.id)).toEqual(seed.images.map((_, index) => index + 1));
  });

  it('keeps names unique per (CR, OS) and uuids unique per CR and valid for the provider', () => {
    const names = new Set(
      seed.images.map((i) => `${i.computeResourceId}/${i.operatingsystemId}/${i.name}`),
    );
    expect(names.size).toBe(seed.images.length);
    const uuids = new Set(seed.images.map((i) => `${i.computeResourceId}/${i.uuid}`));
    expect(uuids.size).toBe(seed.images.length);
    const uuidShape = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    for (const image of seed.images) {
      const type = seed.computeResources.find((c) => c.id === image.computeResourceId)?.type;
      if (type === 'Foreman::Model::EC2') expect(image.uuid).toMatch(/^ami-[0-9a-f]{17}$/);
      if (type === 'Foreman::Model::Vmware') expect(image.uuid).toBe(`Templates/${image.name}`);
      if (type === 'Foreman::Model::Libvirt') {
        expect(image.uuid).toBe(`/var/lib/libvirt/images/${image.name}.qcow2`);
      }
      if (type === 'Foreman::Model::Ovirt' || type === 'Foreman::Model::Openstack') {
        expect(image.uuid).toMatch(uuidShape);
      }
    }
  });

  it('only builds images for architectures their OS supports, after the OS existed', () => {
    for (const image of seed.images) {
      const os = seed.operatingsystems.find((o) => o.id === image.operatingsystemId);
      expect(os?.architectureIds).toContain(image.architectureId);
      expect(image.createdAt.getTime()).toBeGreaterThanOrEqual(os?.createdAt.getTime() ?? 0);
      expect(image.updatedAt.getTime()).toBeGreaterThanOrEqual(image.createdAt.getTime());
      expect(image.createdAt.getUTCFullYear()).toBeGreaterThanOrEqual(2023);
      expect(image.updatedAt.getUTCFullYear()).toBeLessThanOrEqual(2025);
    }
  });

  it('mixes passwords, user_data and IAM roles realistically', () => {
    const withPassword = seed.images.filter((i) => i.password !== null);
    expect(withPassword.length).toBeGreaterThan(10);
    expect(withPassword.length).toBeLessThan(seed.images.length / 4);
    expect(withPassword.some((i) => [3, 6].includes(i.computeResourceId))).toBe(false);
    expect(perCr(1).every((i) => i.userData === false)).toBe(true);
    expect(perCr(3).filter((i) => i.userData).length).toBeGreaterThan(perCr(3).length / 2);
    const iam = seed.images.filter((i) => i.iamRole !== null);
    expect(iam.length).toBeGreaterThan(0);
    expect(iam.every((i) => [3, 6].includes(i.computeResourceId))).toBe(true);
    expect(new Set(seed.images.map((i) => i.username))).toEqual(
      new Set(['root', 'cloud-user', 'ec2-user', 'ubuntu', 'debian', 'admin', 'Administrator']),
    );
  });
});
