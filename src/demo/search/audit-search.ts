import { auditedChangesYaml } from '../audits/yaml.js';
import type { AuditRecord, NamedRecord } from '../records.js';
import { PROVISIONING_TEMPLATES, PTABLES } from '../seed/reference.js';
import type { DemoStore } from '../store.js';
import type { DemoAccount } from '../users.js';
import {
  type FieldValue,
  relationValues,
  type SearchDefinition,
  type SearchField,
} from './fields.js';

/**
 * `type`'s complete_value (AuditSearch.auditable_type_complete_values): the underscored names
 * of the audited classes that are STI base classes without subclasses, in load order, then the
 * aliases merged in. Built in after_initialize, so a production (eager-loaded) Foreman lists
 * `image`; keys are case-sensitive.
 */
export const AUDITABLE_TYPES: Readonly<Record<string, string>> = {
  architecture: 'Architecture',
  bookmark: 'Bookmark',
  compute_attribute: 'ComputeAttribute',
  compute_profile: 'ComputeProfile',
  domain: 'Domain',
  filter: 'Filter',
  hostgroup: 'Hostgroup',
  http_proxy: 'HttpProxy',
  image: 'Image',
  key_pair: 'KeyPair',
  lookup_value: 'LookupValue',
  medium: 'Medium',
  model: 'Model',
  personal_access_token: 'PersonalAccessToken',
  realm: 'Realm',
  role: 'Role',
  setting: 'Setting',
  smart_proxy: 'SmartProxy',
  ssh_key: 'SshKey',
  user: 'User',
  usergroup: 'Usergroup',
  auth_source: 'AuthSource',
  compute_resource: 'ComputeResource',
  host: 'Host::Base',
  interface: 'Nic::Base',
  location: 'Location',
  organization: 'Organization',
  os: 'Operatingsystem',
  override_value: 'LookupValue',
  parameter: 'Parameter',
  partition_table: 'Ptable',
  smart_class_parameter: 'PuppetclassLookupKey',
  subnet: 'Subnet',
  provisioning_template: 'ProvisioningTemplate',
};

/**
 * app/models/concerns/audit_search.rb plus Taxonomix, for the index of /api/audits. Relation
 * fields join on auditable_id without checking the type, so `os = RedHat` also matches an image
 * audit whose auditable_id happens to be that OS's id. Relations to tables the demo lacks
 * (hosts, host groups, interfaces, Puppet classes, settings) find nothing. `current_user` stands
 * for the caller in the user fields.
 */
export function auditSearch(
  store: DemoStore,
  account: DemoAccount,
  now: Date,
): SearchDefinition<AuditRecord> {
  const text = (name: string, column: string, read: (a: AuditRecord) => string | null) =>
    ({ name, column, type: 'string', values: (a) => [read(a)] }) satisfies SearchField<AuditRecord>;
  const byAuditableId = (
    name: string,
    column: string,
    read: (id: number) => FieldValue,
  ): SearchField<AuditRecord> => ({
    name,
    column,
    type: 'string',
    onlyExplicit: true,
    values: (a) => [read(a.auditableId)],
  });
  const nothing = (name: string, column: string) => byAuditableId(name, column, () => null);
  const login = (a: AuditRecord) => store.accounts.byId(a.userId)?.login ?? null;
  const currentLogin = (value: string) => (value === 'current_user' ? account.login : value);
  const taxonomies = (
    name: string,
    column: 'name' | 'id',
    list: readonly NamedRecord[],
    ids: (a: AuditRecord) => number[],
  ): SearchField<AuditRecord> => ({
    name,
    column,
    type: column === 'id' ? 'integer' : 'string',
    onlyExplicit: true,
    integerValidator: column === 'id',
    values: (a) =>
      relationValues(
        list.filter((t) => ids(a).includes(t.id)).map((t) => (column === 'id' ? t.id : t.name)),
      ),
  });
  const parameters = store.operatingsystems.flatMap((o) => o.parameters);
  return {
    temporal: { now, utcOffsetMinutes: account.utcOffsetMinutes },
    fields: [
      { name: 'id', column: 'id', type: 'integer', values: (a) => [a.id] },
      { ...text('request_uuid', 'request_uuid', (a) => a.requestUuid), onlyExplicit: true },
      text('username', 'username', (a) => a.username),
      text('remote_address', 'remote_address', (a) => a.remoteAddress),
      text('comment', 'comment', (a) => a.comment),
      {
        ...text('authored_by_user', 'login', login),
        onlyExplicit: true,
        specialValues: ['current_user'],
        translate: currentLogin,
      },
      text('changes', 'audited_changes', (a) => auditedChangesYaml(a.auditedChanges)),
      {
        name: 'time',
        column: 'created_at',
        type: 'datetime',
        values: (a) => [a.createdAt.getTime()],
      },
      text('action', 'action', (a) => a.action),
      {
        name: 'type',
        column: 'auditable_type',
        type: 'string',
        set: AUDITABLE_TYPES,
        values: (a) => [a.auditableType],
      },
      {
        name: 'auditable_id',
        column: 'auditable_id',
        type: 'integer',
        onlyExplicit: true,
        integerValidator: true,
        values: (a) => [a.auditableId],
      },
      byAuditableId('parameter', 'name', (id) => parameters.find((p) => p.id === id)?.name ?? null),
      byAuditableId('provisioning_template', 'name', (id) => nameOf(PROVISIONING_TEMPLATES, id)),
      byAuditableId('partition_table', 'name', (id) => nameOf(PTABLES, id)),
      byAuditableId('os', 'name', (id) => store.operatingsystem(id)?.name ?? null),
      byAuditableId('os_title', 'title', (id) => store.operatingsystem(id)?.title ?? null),
      nothing('puppetclass', 'name'),
      nothing('host', 'name'),
      nothing('hostgroup', 'name'),
      nothing('hostgroup_title', 'title'),
      {
        ...text('user', 'login', login),
        onlyExplicit: true,
        specialValues: ['current_user'],
        translate: currentLogin,
      },
      nothing('interface_fqdn', 'name'),
      nothing('interface_ip', 'ip'),
      nothing('interface_mac', 'mac'),
      nothing('setting', 'name'),
      {
        name: 'authored_by_user.id',
        column: 'user_id',
        type: 'integer',
        onlyExplicit: true,
        integerValidator: true,
        specialValues: ['current_user'],
        translate: (value) => (value === 'current_user' ? String(account.id) : value),
        values: (a) => [a.userId],
      },
      taxonomies('location', 'name', store.locations, (a) => a.locationIds),
      taxonomies('location_id', 'id', store.locations, (a) => a.locationIds),
      taxonomies('organization', 'name', store.organizations, (a) => a.organizationIds),
      taxonomies('organization_id', 'id', store.organizations, (a) => a.organizationIds),
    ],
  };
}

function nameOf(records: readonly NamedRecord[], id: number): string | null {
  return records.find((r) => r.id === id)?.name ?? null;
}
