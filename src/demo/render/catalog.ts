import { osLabel } from '../os-label.js';
import type { ArchitectureRecord, OperatingsystemRecord } from '../records.js';
import { textCollator } from '../search/evaluator.js';
import type { DemoStore } from '../store.js';
import type { DemoAccount } from '../users.js';
import { imageChildren } from './image.js';
import { renderTime } from './time.js';

/** architectures/main.json.rabl: the index item. */
export function renderArchitecture(arch: ArchitectureRecord, offset: number) {
  return {
    name: arch.name,
    id: arch.id,
    created_at: renderTime(arch.createdAt, offset),
    updated_at: renderTime(arch.updatedAt, offset),
  };
}

/** architectures/show.json.rabl: main plus operating systems (by title) and images. */
export function renderArchitectureShow(store: DemoStore, arch: ArchitectureRecord, offset: number) {
  const operatingsystems = store.operatingsystems
    .filter((o) => o.architectureIds.includes(arch.id))
    .sort((a, b) => textCollator.compare(a.title, b.title))
    .map((o) => ({ id: o.id, name: o.name, title: o.title }));
  return {
    ...renderArchitecture(arch, offset),
    operatingsystems,
    images: imageChildren(store.images, (i) => i.architectureId === arch.id),
  };
}

/** operatingsystems/main.json.rabl: the index item. */
export function renderOperatingsystem(os: OperatingsystemRecord, offset: number) {
  return {
    id: os.id,
    name: os.name,
    title: os.title,
    description: os.description,
    major: os.major,
    minor: os.minor,
    family: os.family,
    release_name: os.releaseName,
    password_hash: os.passwordHash,
    created_at: renderTime(os.createdAt, offset),
    updated_at: renderTime(os.updatedAt, offset),
  };
}

/**
 * operatingsystems/show.json.rabl. Hidden parameter values are masked unless the caller asks
 * with show_hidden(_parameters)=true and may edit parameters (only the admin here).
 */
export function renderOperatingsystemShow(
  store: DemoStore,
  os: OperatingsystemRecord,
  account: DemoAccount,
  showHidden: boolean,
) {
  const offset = account.utcOffsetMinutes;
  const named = (list: readonly { id: number; name: string }[], ids: number[]) =>
    list.filter((r) => ids.includes(r.id)).map((r) => ({ id: r.id, name: r.name }));
  const kindName = (id: number) => store.templateKinds.find((k) => k.id === id)?.name ?? null;
  const template = (id: number) => store.provisioningTemplates.find((t) => t.id === id);
  return {
    ...renderOperatingsystem(os, offset),
    parameters: os.parameters.map((p) => ({
      priority: 50,
      created_at: renderTime(p.createdAt, offset),
      updated_at: renderTime(p.updatedAt, offset),
      id: p.id,
      name: p.name,
      parameter_type: p.parameterType,
      associated_type: 'operating system',
      'hidden_value?': p.hiddenValue,
      value: p.hiddenValue && !(showHidden && account.admin) ? '*****' : p.value,
    })),
    media: named(store.media, os.mediumIds),
    architectures: store.architectures
      .filter((a) => os.architectureIds.includes(a.id))
      .map((a) => ({ name: a.name, id: a.id })),
    ptables: named(store.ptables, os.ptableIds).map((p) => ({ name: p.name, id: p.id })),
    provisioning_templates: os.provisioningTemplateIds.flatMap((id) => {
      const t = template(id);
      return t
        ? [
            {
              id: t.id,
              name: t.name,
              template_kind_id: t.templateKindId,
              template_kind_name: kindName(t.templateKindId),
            },
          ]
        : [];
    }),
    os_default_templates: os.osDefaultTemplates.map((d) => ({
      id: d.id,
      provisioning_template_id: d.provisioningTemplateId,
      provisioning_template_name: template(d.provisioningTemplateId)?.name ?? null,
      template_kind_id: d.templateKindId,
      template_kind_name: kindName(d.templateKindId),
      operatingsystem_id: os.id,
      operatingsystem_name: osLabel(os),
    })),
    images: imageChildren(store.images, (i) => i.operatingsystemId === os.id),
  };
}
