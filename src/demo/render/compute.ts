import { providerOf } from '../providers.js';
import type { ComputeResourceRecord, TaxonomyRecord } from '../records.js';
import type { DemoStore } from '../store.js';
import { imageChildren } from './image.js';
import { renderTime } from './time.js';

/** compute_resources/main.json.rabl: base, main and the provider partial. */
export function renderComputeResource(cr: ComputeResourceRecord, offset: number) {
  const provider = providerOf(cr);
  return {
    id: cr.id,
    name: cr.name,
    provider: provider.provider,
    provider_friendly_name: provider.friendlyName,
    description: cr.description,
    url: cr.url,
    created_at: renderTime(cr.createdAt, offset),
    updated_at: renderTime(cr.updatedAt, offset),
    ...provider.partial(cr),
  };
}

/**
 * compute_resources/show.json.rabl: main plus images, compute attributes and taxonomies.
 * `attributes` (normalized_vm_attrs) is approximated by the stored vm_attrs.
 */
export function renderComputeResourceShow(
  store: DemoStore,
  cr: ComputeResourceRecord,
  offset: number,
) {
  const provider = providerOf(cr);
  const taxonomies = (list: readonly TaxonomyRecord[], ids: number[]) =>
    list
      .filter((t) => ids.includes(t.id))
      .map((t) => ({ id: t.id, name: t.name, title: t.title, description: t.description }));
  return {
    ...renderComputeResource(cr, offset),
    images: imageChildren(store.images, (i) => i.computeResourceId === cr.id),
    compute_attributes: cr.computeAttributes.map((attribute) => {
      const profile = store.computeProfiles.find((p) => p.id === attribute.computeProfileId);
      return {
        id: attribute.id,
        name: profile?.name ?? null,
        compute_resource_id: cr.id,
        compute_resource_name: cr.name,
        provider_friendly_name: provider.friendlyName,
        compute_profile_id: attribute.computeProfileId,
        compute_profile_name: profile?.name ?? null,
        vm_attrs: { ...attribute.vmAttrs },
        attributes: { ...attribute.vmAttrs },
      };
    }),
    locations: taxonomies(store.locations, cr.locationIds),
    organizations: taxonomies(store.organizations, cr.organizationIds),
  };
}
