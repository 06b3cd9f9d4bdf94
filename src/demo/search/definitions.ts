import type {
  ArchitectureRecord,
  ComputeResourceRecord,
  ImageRecord,
  NamedRecord,
  OperatingsystemRecord,
} from '../records.js';
import type { DemoStore } from '../store.js';
import {
  type FieldValue,
  relationValues,
  type SearchDefinition,
  type SearchField,
} from './fields.js';

/** `scoped_search :on => :id, :only_explicit => true, :validator => INTEGER`, on every model. */
function idField<T extends { id: number }>(): SearchField<T> {
  return {
    name: 'id',
    column: 'id',
    type: 'integer',
    onlyExplicit: true,
    integerValidator: true,
    values: (r) => [r.id],
  };
}

function text<T>(name: string, column: string, read: (r: T) => string | null): SearchField<T> {
  return { name, column, type: 'string', values: (r) => [read(r)] };
}

function names(records: readonly NamedRecord[], ids: readonly number[]) {
  return relationValues(records.filter((r) => ids.includes(r.id)).map((r) => r.name));
}

/** app/models/image.rb: architecture and operatingsystem search by id, not by name. */
export function imageSearch(store: DemoStore): SearchDefinition<ImageRecord> {
  return {
    fields: [
      idField(),
      text('name', 'name', (i) => i.name),
      text('username', 'username', (i) => i.username),
      text(
        'compute_resource',
        'name',
        (i) => store.computeResource(i.computeResourceId)?.name ?? null,
      ),
      {
        name: 'architecture',
        column: 'id',
        type: 'integer',
        onlyExplicit: true,
        integerValidator: true,
        values: (i) => [store.architecture(i.architectureId)?.id ?? null],
      },
      {
        name: 'operatingsystem',
        column: 'id',
        type: 'integer',
        onlyExplicit: true,
        integerValidator: true,
        values: (i) => [store.operatingsystem(i.operatingsystemId)?.id ?? null],
      },
      {
        name: 'user_data',
        column: 'user_data',
        type: 'boolean',
        set: { true: true, false: false },
        values: (i) => [i.userData],
      },
    ],
  };
}

export function architectureSearch(): SearchDefinition<ArchitectureRecord> {
  return { fields: [text('name', 'name', (a) => a.name), idField()] };
}

/** app/models/operatingsystem.rb; `params.<name>` is not modelled. */
export function operatingsystemSearch(store: DemoStore): SearchDefinition<OperatingsystemRecord> {
  const relation = (
    name: string,
    read: (o: OperatingsystemRecord) => FieldValue[],
  ): SearchField<OperatingsystemRecord> => ({
    name,
    column: 'name',
    type: 'string',
    onlyExplicit: true,
    values: read,
  });
  return {
    fields: [
      text('name', 'name', (o) => o.name),
      text('major', 'major', (o) => o.major),
      text('minor', 'minor', (o) => o.minor),
      text('description', 'description', (o) => o.description),
      text('family', 'type', (o) => o.family),
      text('title', 'title', (o) => o.title),
      idField(),
      relation('architecture', (o) =>
        relationValues(
          store.architectures.filter((a) => o.architectureIds.includes(a.id)).map((a) => a.name),
        ),
      ),
      relation('medium', (o) => names(store.media, o.mediumIds)),
      relation('template', (o) => names(store.provisioningTemplates, o.provisioningTemplateIds)),
    ],
  };
}

/** app/models/compute_resource.rb plus Taxonomix's location/organization fields. */
export function computeResourceSearch(store: DemoStore): SearchDefinition<ComputeResourceRecord> {
  const taxonomy = (
    name: string,
    column: 'title' | 'id',
    read: (c: ComputeResourceRecord) => FieldValue[],
  ): SearchField<ComputeResourceRecord> => ({
    name,
    column,
    type: column === 'id' ? 'integer' : 'string',
    onlyExplicit: true,
    integerValidator: column === 'id',
    values: read,
  });
  const titles = (list: readonly { id: number; title: string }[], ids: number[]) =>
    relationValues(list.filter((t) => ids.includes(t.id)).map((t) => t.title));
  return {
    fields: [
      text('name', 'name', (c) => c.name),
      text('type', 'type', (c) => c.type),
      idField(),
      taxonomy('location', 'title', (c) => titles(store.locations, c.locationIds)),
      taxonomy('location_id', 'id', (c) => relationValues([...c.locationIds])),
      taxonomy('organization', 'title', (c) => titles(store.organizations, c.organizationIds)),
      taxonomy('organization_id', 'id', (c) => relationValues([...c.organizationIds])),
    ],
  };
}
