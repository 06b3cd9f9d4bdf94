import {
  type AttributeChange,
  type AttributeValue,
  AUDITED_IMAGE_COLUMNS,
  type ChangeAction,
  type ImageChangeEvent,
  type ImagePlace,
} from '../../foreman/changes.js';
import type { ImageRecord } from '../../foreman/records.js';
import { builder } from '../builder.js';
import { encodeGlobalId, encodeImageId, parseImageParents } from '../ids.js';
import type { NodeResource } from '../node-types.js';
import { OBJECT_REFS } from '../refs.js';
import { sourceOf } from '../sources.js';

const ImageChangeAction = builder.enumType('ImageChangeAction', {
  description: 'What happened to an image.',
  values: {
    CREATED: { value: 'created', description: 'It was created.' },
    UPDATED: { value: 'updated', description: 'It was changed (or moved).' },
    DELETED: { value: 'deleted', description: 'It was deleted.' },
  } as const,
});

/**
 * What a history entry and an `imageChanged` event both say of one change: the change's
 * action, time, author and request id, and its attributes (Foreman's names, Foreman's values;
 * shown as this API names and writes them), with the image as far as it is known.
 */
export interface ChangeDetailsSource {
  action: ChangeAction;
  /** ISO 8601. */
  at: string;
  by: string | null;
  requestId: string | null;
  changes: AttributeChange[];
  /** The image as the caller may see it, which says which attributes Foreman shows for it. */
  image: ImageRecord | null;
}

/**
 * Foreman's image attributes as the API shows them: each named as the image's input field
 * (`architectureId`, as in `updateImage`), in the order of the image's fields, with the resource
 * whose global id an id attribute's value becomes.
 */
const ATTRIBUTES: ReadonlyArray<{
  column: string;
  name: string;
  resource?: NodeResource;
}> = [
  { column: 'name', name: 'name' },
  { column: 'uuid', name: 'uuid' },
  { column: 'username', name: 'username' },
  { column: 'user_data', name: 'userData' },
  { column: 'iam_role', name: 'iamRole' },
  { column: 'compute_resource_id', name: 'computeResourceId', resource: 'computeResource' },
  { column: 'architecture_id', name: 'architectureId', resource: 'architecture' },
  { column: 'operatingsystem_id', name: 'operatingSystemId', resource: 'operatingSystem' },
];

const ATTRIBUTE_BY_COLUMN = new Map(
  ATTRIBUTES.map((attribute, order) => [attribute.column, { ...attribute, order }]),
);

/** Columns Foreman renders only where the image's compute resource has them (user data, EC2). */
const CONDITIONAL_COLUMNS = ['user_data', 'iam_role'] as const;

interface ShownChange {
  attribute: string;
  before: string | null;
  after: string | null;
}

/**
 * The changes as the API shows them: attributes named as the image's input fields, values as
 * text (`true`/`false` for booleans, global ids for ids), in the order of the image's fields.
 * Foreman audits `user_data` and `iam_role` on every image but shows them only where its compute
 * resource has them (the image's `userData` and `iamRole` are null elsewhere): where the image
 * does not show one, its changes are left out too, as the gateway's own writes (which only see
 * what Foreman shows) leave them out. A column this API does not know keeps its name, camelCased.
 */
export function shownChanges(
  changes: readonly AttributeChange[],
  image: ImageRecord | null,
): ShownChange[] {
  const hidden = new Set<string>(
    image ? CONDITIONAL_COLUMNS.filter((column) => !(column in image)) : [],
  );
  return changes
    .filter((change) => !hidden.has(change.attribute))
    .map((change) => {
      const known = ATTRIBUTE_BY_COLUMN.get(change.attribute);
      const shown = (value: AttributeValue) => shownValue(value, known?.resource);
      return {
        order: known?.order ?? ATTRIBUTES.length,
        attribute: known?.name ?? camelCase(change.attribute),
        before: shown(change.before),
        after: shown(change.after),
      };
    })
    .sort((a, b) => a.order - b.order || a.attribute.localeCompare(b.attribute))
    .map(({ order: _order, ...change }) => change);
}

function shownValue(value: AttributeValue, resource: NodeResource | undefined): string | null {
  if (value === null) return null;
  if (resource && typeof value === 'number' && Number.isSafeInteger(value) && value > 0) {
    return encodeGlobalId(resource, value);
  }
  return String(value);
}

function camelCase(column: string): string {
  return column.replace(/_([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase());
}

const ImageAttributeChange = builder.objectRef<ShownChange>('ImageAttributeChange').implement({
  description:
    "One attribute a change set, changed or cleared, with its value before and after. Passwords are never shown: an image's password changes are left out.",
  fields: (t) => ({
    attribute: t.exposeString('attribute', {
      description:
        "The attribute, named as the image's input field: `name`, `uuid`, `username`, `userData`, `iamRole`, `computeResourceId`, `architectureId` or `operatingSystemId` (a column Foreman audits that this API does not know keeps Foreman's name, camelCased).",
    }),
    before: t.exposeString('before', {
      nullable: true,
      description:
        'Its value before (null: none, or the image did not exist yet). Text as the input takes it: `true`/`false` for `userData`, a global id for the `…Id` attributes.',
    }),
    after: t.exposeString('after', {
      nullable: true,
      description: 'Its value after (null: none, or the image was deleted), in the same form.',
    }),
  }),
});

export const ImageChangeDetails = builder
  .interfaceRef<ChangeDetailsSource>('ImageChangeDetails')
  .implement({
    description:
      "What one change to an image did, whether read from its `history` or told by `imageChanged`: a fragment on this type fits both. Foreman's audit log is the record of it.",
    resolveType: (source) => ('auditId' in source ? 'ImageHistoryEntry' : 'ImageChange'),
    fields: (t) => ({
      action: t.field({
        type: ImageChangeAction,
        description: 'What happened.',
        resolve: (change) => change.action,
      }),
      changedAt: t.field({
        type: 'DateTime',
        description: 'When the change was made.',
        resolve: (change) => change.at,
      }),
      changedBy: t.string({
        nullable: true,
        description: 'Foreman login of whoever made the change, when known.',
        resolve: (change) => change.by,
      }),
      requestId: t.string({
        nullable: true,
        description: 'The request id of the change as Foreman recorded it.',
        resolve: (change) => change.requestId,
      }),
      changes: t.field({
        type: [ImageAttributeChange],
        description:
          'The attributes it set or changed, with their values before and after (passwords never).',
        // At most one per audited column, whatever LIST_COST_ESTIMATE says of lists.
        extensions: { listSize: AUDITED_IMAGE_COLUMNS.length },
        resolve: (change) => shownChanges(change.changes, change.image),
      }),
    }),
  });

const ImageChange = builder.objectRef<ImageChangeEvent>('ImageChange').implement({
  interfaces: [ImageChangeDetails],
  description:
    "One change to an image, as you may see it: made through this gateway, or elsewhere (Foreman's UI, hammer, Ansible) and read from Foreman's audit log with your own credentials.",
  fields: (t) => ({
    action: t.field({
      type: ImageChangeAction,
      description: 'What happened.',
      resolve: (event) => event.action,
    }),
    imageId: t.id({
      description: 'The global id of the image (the same for its whole life).',
      resolve: (event) => encodeImageId(event.imageId),
    }),
    foremanId: t.int({
      description: "Foreman's numeric id of the image.",
      resolve: (event) => event.imageId,
    }),
    image: t.field({
      type: OBJECT_REFS.image,
      nullable: true,
      description:
        'The image as you may see it now; null when it was deleted or is no longer where you can see it.',
      resolve: (event) => (event.image ? sourceOf('image', event.image) : null),
    }),
    changedAt: t.field({
      type: 'DateTime',
      description: 'When the change was made.',
      resolve: (event) => event.at,
    }),
    changedBy: t.string({
      nullable: true,
      description: 'Foreman login of whoever made the change, when known.',
      resolve: (event) => event.by,
    }),
    requestId: t.string({
      nullable: true,
      description:
        'The request id of the change as Foreman recorded it (for changes made through this gateway, its `x-request-id`).',
      resolve: (event) => event.requestId,
    }),
  }),
});

builder.subscriptionField('imageChanged', (t) =>
  t.field({
    type: ImageChange,
    description:
      "Image changes as they happen: those made through this gateway at once, those made elsewhere within the audit polling interval (read from Foreman's audit log). Only changes in compute resources you can see reach you. Over Server-Sent Events (`Accept: text/event-stream`) or WebSocket (the graphql-ws protocol).",
    args: {
      computeResourceId: t.arg.id({
        description: 'Only images in (or moving out of) this compute resource.',
      }),
      operatingSystemId: t.arg.id({ description: 'Only images of this operating system.' }),
      architectureId: t.arg.id({ description: 'Only images of this architecture.' }),
    },
    subscribe: (_root, args, ctx) => {
      const filter: ImagePlace = {};
      for (const { argument, id } of parseImageParents(args)) filter[argument] = id;
      return ctx.live.subscribe(ctx.foreman, filter, ctx.signal);
    },
    resolve: (event) => event,
  }),
);
