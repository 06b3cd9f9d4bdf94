import { describe, expect, it } from 'vitest';
import { DEMO_VIEWER, ForemanUiValidationError } from '../../src/demo/index.js';
import { type Envelope, type ErrorJson, type ImageJson, useDemoUpstream } from './helpers.js';

const demo = useDemoUpstream({ resetDataEachTest: true });

const SEEDED = 485;

interface AuditJson {
  id: number;
  user_name: string | null;
  version: number;
  request_uuid: string;
  remote_address: string | null;
  auditable_id: number;
  auditable_name: string | null;
  auditable_type: string;
  action: string;
  audited_changes: Record<string, unknown>;
  locations: Array<{ id: number }>;
  organizations: Array<{ id: number }>;
}

const audits = (search: string, order = 'id') =>
  demo.call<Envelope<AuditJson>>(
    `/api/audits?per_page=all&order=${encodeURIComponent(order)}&search=${encodeURIComponent(search)}`,
  );

/** Every image of a parent as the API renders it. */
async function imagesOf(parent: string): Promise<ImageJson[]> {
  const response = await demo.call<Envelope<ImageJson>>(`${parent}/images?per_page=all`);
  expect(response.status).toBe(200);
  return response.json.results;
}

describe('renames made in Foreman’s UI', () => {
  it('renames a compute resource: its images render the new name, its audit the old label', async () => {
    const before = await imagesOf('/api/compute_resources/1');
    const change = demo.upstream.foremanUi.renameComputeResource(1, 'kvm-lab-b', {
      user: DEMO_VIEWER,
      requestUuid: 'ui-rename-cr',
    });
    expect(change.record.name).toBe('kvm-lab-b');
    const after = await imagesOf('/api/compute_resources/1');
    expect(after.map((i) => i.compute_resource_name)).toEqual(before.map(() => 'kvm-lab-b'));
    // The image rows themselves are untouched.
    expect(after.map((i) => i.updated_at)).toEqual(before.map((i) => i.updated_at));
    const cr = await demo.call<{ name: string }>('/api/compute_resources/1');
    expect(cr.json.name).toBe('kvm-lab-b');
    const byName = await demo.call<Envelope<ImageJson>>(
      `/api/compute_resources/1/images?search=${encodeURIComponent('compute_resource = kvm-lab-b')}`,
    );
    expect(byName.json.subtotal).toBe(before.length);

    const rows = (await audits(`id > ${SEEDED}`)).json.results;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      id: SEEDED + 1,
      auditable_type: 'ComputeResource',
      auditable_id: 1,
      auditable_name: 'kvm-lab (Libvirt)',
      action: 'update',
      audited_changes: { name: ['kvm-lab', 'kvm-lab-b'] },
      version: 2,
      user_name: 'viewer',
      request_uuid: 'ui-rename-cr',
      remote_address: '192.0.2.10',
      locations: [{ id: 2 }],
      organizations: [{ id: 1 }],
    });
    expect(Object.keys(rows[0]?.audited_changes ?? {})).toEqual(['name']);
  });

  it('renames an architecture: image rows and the friendly id follow', async () => {
    const count = (await imagesOf('/api/architectures/x86_64')).length;
    const change = demo.upstream.foremanUi.renameArchitecture(1, 'x86-64');
    expect(change.audit).toMatchObject({
      auditableType: 'Architecture',
      auditableName: 'x86_64',
      action: 'update',
      auditedChanges: { name: ['x86_64', 'x86-64'] },
      version: 2,
      locationIds: [],
      organizationIds: [],
    });
    const renamed = await imagesOf('/api/architectures/x86-64');
    expect(renamed).toHaveLength(count);
    expect(new Set(renamed.map((i) => i.architecture_name))).toEqual(new Set(['x86-64']));
    const old = await demo.call('/api/architectures/x86_64/images');
    expect(old.status).toBe(404);
  });

  it('renames an operating system: name and title change, and so do its images', async () => {
    const change = demo.upstream.foremanUi.updateOperatingsystem(4, { name: 'Alma' });
    expect(change.record.title).toBe('Alma 9.4');
    expect(change.audit).toMatchObject({
      auditableType: 'Operatingsystem',
      auditableName: 'AlmaLinux 9.4',
      action: 'update',
      auditedChanges: { name: ['AlmaLinux', 'Alma'], title: ['AlmaLinux 9.4', 'Alma 9.4'] },
    });
    // Table order: major, name, minor, …, title.
    expect(Object.keys(change.audit?.auditedChanges ?? {})).toEqual(['name', 'title']);
    const images = await imagesOf('/api/operatingsystems/4');
    expect(new Set(images.map((i) => i.operatingsystem_name))).toEqual(new Set(['Alma 9.4']));
    expect((await imagesOf(`/api/operatingsystems/${encodeURIComponent('Alma 9.4')}`)).length).toBe(
      images.length,
    );
  });

  it('changes an operating system’s label through its description when it has one', async () => {
    const ui = demo.upstream.foremanUi;
    // The label of an OS with a description is the description: a new name changes no title.
    expect(ui.updateOperatingsystem(2, { name: 'RHEL' }).audit?.auditedChanges).toEqual({
      name: ['RedHat', 'RHEL'],
    });
    const described = ui.updateOperatingsystem(2, { description: 'Red Hat Enterprise Linux 9.4' });
    expect(described.audit?.auditedChanges).toEqual({
      description: ['RHEL 9.4', 'Red Hat Enterprise Linux 9.4'],
      title: ['RHEL 9.4', 'Red Hat Enterprise Linux 9.4'],
    });
    expect(described.audit?.version).toBe(3);
    const images = await imagesOf('/api/operatingsystems/2');
    expect(images[0]?.operatingsystem_name).toBe('Red Hat Enterprise Linux 9.4');
    // Without a description, the label is "name major[.minor]" again.
    const cleared = ui.updateOperatingsystem(2, { description: null });
    expect(cleared.record.title).toBe('RHEL 9.4');
  });

  it('writes nothing for a change to the same value', () => {
    const ui = demo.upstream.foremanUi;
    expect(ui.renameArchitecture(2, 'i386').audit).toBeNull();
    expect(ui.renameComputeResource(2, ' vcenter-prod ').audit).toBeNull();
    expect(ui.updateOperatingsystem(5, { name: 'Debian', major: '12' }).audit).toBeNull();
    expect(demo.upstream.store.audits).toHaveLength(SEEDED);
  });

  it('validates like the models, writing no audit and taking no audit id', () => {
    const ui = demo.upstream.foremanUi;
    const messages = (action: () => unknown) => {
      try {
        action();
      } catch (error) {
        if (error instanceof ForemanUiValidationError) return error.fullMessages;
        throw error;
      }
      throw new Error('no validation error');
    };
    expect(messages(() => ui.renameArchitecture(1, 'i386'))).toEqual([
      'Name has already been taken',
    ]);
    expect(messages(() => ui.renameArchitecture(1, 'x86 64'))).toEqual([
      "Name can't contain spaces.",
    ]);
    expect(messages(() => ui.renameComputeResource(1, '  '))).toEqual(["Name can't be blank"]);
    expect(messages(() => ui.renameComputeResource(1, 'vcenter-prod'))).toEqual([
      'Name has already been taken',
    ]);
    expect(messages(() => ui.updateOperatingsystem(2, { major: '8', minor: '10' }))).toEqual([
      'Name Operating system version already exists',
    ]);
    expect(
      messages(() => ui.updateOperatingsystem(4, { name: 'Debian', major: '12', minor: '' })),
    ).toEqual(['Name Operating system version already exists', 'Title has already been taken']);
    expect(messages(() => ui.updateOperatingsystem(4, { description: 'RHEL 9.4' }))).toEqual([
      'Description has already been taken',
      'Title has already been taken',
    ]);
    expect(messages(() => ui.updateOperatingsystem(4, { major: 'nine', minor: '4a' }))).toEqual([
      'Major is not a number',
      'Minor Operating System minor version must be in N or N.N format',
    ]);
    expect(() => ui.renameArchitecture(99, 'x')).toThrow("Couldn't find Architecture with 'id'=99");
    // The next audit still takes the next id: validation failed before any INSERT.
    expect(ui.renameArchitecture(5, 's390').audit?.id).toBe(SEEDED + 1);
  });
});

describe('tailing several audited types', () => {
  it('finds every type a gateway tails, by id, in id order', async () => {
    const ui = demo.upstream.foremanUi;
    const image = demo.upstream.store.images.find((i) => i.computeResourceId === 1);
    if (!image) throw new Error('no image on compute resource 1');
    ui.renameComputeResource(1, 'kvm-lab-b');
    ui.updateImage(image.id, { username: 'cloud-user' });
    ui.renameArchitecture(3, 'arm64');
    ui.updateOperatingsystem(5, { major: '13' });
    const tail = await audits(
      `(type = image or type = compute_resource or type = os or type = architecture) and id > ${SEEDED}`,
    );
    expect(tail.status).toBe(200);
    expect(tail.json.results.map((a) => [a.id, a.auditable_type, a.auditable_id])).toEqual([
      [SEEDED + 1, 'ComputeResource', 1],
      [SEEDED + 2, 'Image', image.id],
      [SEEDED + 3, 'Architecture', 3],
      [SEEDED + 4, 'Operatingsystem', 5],
    ]);
    const withoutArchitectures = await audits(
      `(type = image or type = compute_resource or type = os) and id > ${SEEDED}`,
    );
    expect(withoutArchitectures.json.subtotal).toBe(3);
  });

  it('reads several images’ history in one request, newest first', async () => {
    const ids = demo.upstream.store.images.slice(0, 3).map((i) => i.id);
    const [first] = ids;
    if (first === undefined) throw new Error('no seeded image');
    demo.upstream.foremanUi.updateImage(first, { username: 'cloud-user' });
    const history = await audits(`type = image and auditable_id ^ (${ids.join(',')})`, 'id DESC');
    expect(history.status).toBe(200);
    const rows = history.json.results;
    expect(rows.map((a) => a.id)).toEqual([...rows.map((a) => a.id)].sort((a, b) => b - a));
    expect(rows.map((a) => [a.auditable_id, a.action])).toEqual(
      expect.arrayContaining([[first, 'update'], ...ids.map((id) => [id, 'create'])]),
    );
    expect(rows).toHaveLength(4);
    expect(history.json.sort).toEqual({ by: 'id', order: 'DESC' });
  });

  it('refuses what scoped_search refuses for type: other operators and unknown keys', async () => {
    const cases: Array<[string, string]> = [
      ['type ^ (image, os)', "but the query was 'image,os'"],
      ['type ~ image', "Operator 'like' not supported for 'auditable_type'"],
      ['type > image', "Operator 'gt' not supported for 'auditable_type'"],
      ['type = operatingsystem', "but the query was 'operatingsystem'"],
      ['type = Operatingsystem', "but the query was 'Operatingsystem'"],
      ['type = compute-resource', "but the query was 'compute-resource'"],
    ];
    for (const [search, message] of cases) {
      const response = await audits(search);
      expect(response.status, search).toBe(400);
      expect((response.json as unknown as ErrorJson).error.message, search).toContain(message);
    }
    expect((await audits('type = os')).json.subtotal).toBe(9);
    expect((await audits('type != os and type != image')).json.subtotal).toBe(12);
  });
});
