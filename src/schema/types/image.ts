import type { GraphQLResolveInfo } from 'graphql';
import type { GatewayContext } from '../../context.js';
import type { ImageAttributes } from '../../foreman/api.js';
import { UpstreamError } from '../../foreman/errors.js';
import type { ImageRecord, RowOf } from '../../foreman/records.js';
import { type ImageParent, RESOURCES } from '../../foreman/resources.js';
import { builder } from '../builder.js';
import { defineConnection, type ListArgs, listArgs, listRequest } from '../connections.js';
import { entityKeys, type Representation, representationKey } from '../entities.js';
import { badUserInput } from '../errors.js';
import { commonFields, type FieldBuilder } from '../fields.js';
import { encodeImageId, parseImageId, parseImageParents } from '../ids.js';
import { loadImage } from '../load.js';
import { MutationError, type MutationProblem, problemsFromValidation } from '../mutation-errors.js';
import { NODE_TYPES, type TopLevelNode } from '../node-types.js';
import { Node, OBJECT_REFS } from '../refs.js';
import { type ImageSource, relatedSource, sourceOf } from '../sources.js';
import { ImageHistoryConnection, imageHistory } from './image-history.js';
import {
  CreateImageInput,
  DeleteImageInput,
  IMAGE_ASSOCIATIONS,
  imageInputFieldOf,
  referencedRecords,
  UpdateImageInput,
  validateImageInput,
} from './image-input.js';

const { image: Image, architecture: Architecture, computeResource, operatingSystem } = OBJECT_REFS;

Image.implement({
  description:
    'A Foreman image: a template (VM image, AMI…) in a compute resource, for one architecture and operating system.',
  interfaces: [Node],
  isTypeOf: (source) => (source as { resource?: string }).resource === 'image',
  fields: (t) => {
    const { foremanId, ...timestamps } = commonFields(t as unknown as FieldBuilder<'image'>);
    return {
      foremanId,
      name: t.string({
        description: 'Name, unique per compute resource and operating system.',
        resolve: (s) => s.known.name,
      }),
      uuid: t.string({
        description: "The template's id in the compute resource (an AMI id, a template path…).",
        resolve: (s) => s.known.uuid,
      }),
      username: t.string({
        description: 'User to log in with on hosts built from it.',
        resolve: (s) => s.known.username,
      }),
      userData: t.boolean({
        nullable: true,
        description:
          'Whether it supports user data; null where the compute resource cannot use user data.',
        resolve: (s) => s.known.user_data ?? null,
      }),
      iamRole: t.string({
        nullable: true,
        description: 'The IAM role (EC2 only; null elsewhere).',
        resolve: (s) => s.known.iam_role ?? null,
      }),
      ...timestamps,
      // The image row names its relations: a selection of just those costs no request.
      computeResource: t.field({
        type: computeResource,
        nullable: true,
        description: 'The compute resource it belongs to.',
        resolve: (s, _args, ctx, info) =>
          related(ctx, info, 'computeResource', s.known.compute_resource_id, {
            name: s.known.compute_resource_name,
          }),
      }),
      architecture: t.field({
        type: Architecture,
        nullable: true,
        description: 'Its architecture.',
        resolve: (s, _args, ctx, info) =>
          related(ctx, info, 'architecture', s.known.architecture_id, {
            name: s.known.architecture_name,
          }),
      }),
      operatingSystem: t.field({
        type: operatingSystem,
        nullable: true,
        description: 'Its operating system.',
        resolve: (s, _args, ctx, info) =>
          // Foreman's `operatingsystem_name` is the OS's to_label, which is its title.
          related(ctx, info, 'operatingSystem', s.known.operatingsystem_id, {
            title: s.known.operatingsystem_name,
          }),
      }),
      history: t.field({
        type: ImageHistoryConnection,
        // Nullable: a caller who may not read Foreman's audit log (no view_audit_logs) gets
        // null with FORBIDDEN here, and the image's other fields stay.
        nullable: true,
        description:
          "Its changes, newest first, from Foreman's audit log: who changed what, when, in which request. Needs Foreman's `view_audit_logs` permission (null with FORBIDDEN without it). The histories of many images asked for at once are read together, usually in one request.",
        args: {
          first: t.arg.int({
            description: 'Return at most this many entries after `after` (default: the page size).',
          }),
          after: t.arg.string({ description: 'Return entries older than this cursor.' }),
        },
        resolve: (s, args, ctx) => imageHistory(ctx, s.known, args),
      }),
    };
  },
});

/** A record the image row names: its id, and what the row says of it when it says anything. */
function related<R extends TopLevelNode>(
  ctx: GatewayContext,
  info: GraphQLResolveInfo,
  resource: R,
  id: number,
  fields: Partial<Record<keyof RowOf<R>, string | null>>,
) {
  const known: Record<string, unknown> = { id };
  for (const key in fields) {
    const value = fields[key];
    if (value != null) known[key] = value;
  }
  return relatedSource(ctx, info, resource, id, known as Partial<RowOf<R>>);
}

builder.asEntity(Image, {
  key: entityKeys,
  // Async, so a bad representation fails its own entity, not the whole `_entities` list.
  resolveReference: async (representation: Representation, ctx) => {
    const { value, argumentName } = representationKey(representation, 'image');
    return loadImage(ctx, parseImageId(value, argumentName));
  },
});

export const ImageConnection = defineConnection('Image', Image, (row: ImageRecord) =>
  sourceOf('image', row),
);

/** A page of the images under one parent, or everywhere, for a connection. */
export function listImages(ctx: GatewayContext, parent: ImageParent | undefined, args: ListArgs) {
  const request = listRequest(args, ctx.limits, RESOURCES.image.defaultOrder, {
    merged: parent === undefined,
  });
  return ctx.foreman.images(parent, request);
}

builder.queryFields((t) => ({
  image: t.field({
    type: Image,
    nullable: true,
    description:
      "One image, by its global id or by Foreman's numeric id (which costs a lookup across architectures).",
    args: {
      id: t.arg.id({ required: true, description: 'A global Image id or a numeric Foreman id.' }),
    },
    resolve: (_root, args, ctx) => loadImage(ctx, parseImageId(args.id, 'id')),
  }),
  images: t.field({
    type: ImageConnection,
    // Nullable: a failing list (bad search, upstream fault) must not wipe its siblings.
    nullable: true,
    description:
      'Images under one parent (compute resource, operating system or architecture), or with no parent, across every compute resource the caller can see.',
    args: {
      computeResourceId: t.arg.id({ description: 'List the images of this compute resource.' }),
      operatingSystemId: t.arg.id({ description: 'List the images of this operating system.' }),
      architectureId: t.arg.id({ description: 'List the images of this architecture.' }),
      ...listArgs,
    },
    resolve: (_root, args, ctx) => {
      const parents = parseImageParents(args);
      if (parents.length > 1) {
        throw badUserInput(
          'Pass at most one of computeResourceId, operatingSystemId and architectureId',
        );
      }
      return listImages(ctx, parents[0], args);
    },
  }),
}));

// Mutations: each returns a payload with the image and the errors a form can show; everything
// else (no credentials, no permission, Foreman's faults) stays a top-level error with its code.

interface ImagePayloadShape {
  image: ImageSource | null;
  errors: MutationProblem[];
}

interface DeletePayloadShape extends ImagePayloadShape {
  deletedId: string | null;
}

function payloadType(name: string, description: string, imageDescription: string) {
  return builder.objectRef<ImagePayloadShape>(name).implement({
    description,
    fields: (t) => ({
      image: t.field({
        type: Image,
        nullable: true,
        description: imageDescription,
        resolve: (payload) => payload.image,
      }),
      errors: t.field({
        type: [MutationError],
        description: 'Why nothing changed; empty on success.',
        resolve: (payload) => payload.errors,
      }),
    }),
  });
}

const CreateImagePayload = payloadType(
  'CreateImagePayload',
  'The result of createImage.',
  'The new image; null when `errors` is not empty.',
);
const UpdateImagePayload = payloadType(
  'UpdateImagePayload',
  'The result of updateImage.',
  'The image as it is now; null when `errors` is not empty.',
);
const DeleteImagePayload = builder.objectRef<DeletePayloadShape>('DeleteImagePayload').implement({
  description: 'The result of deleteImage.',
  fields: (t) => ({
    image: t.field({
      type: Image,
      nullable: true,
      description:
        'The image as it was just before it was deleted; null when `errors` is not empty.',
      resolve: (payload) => payload.image,
    }),
    deletedId: t.id({
      nullable: true,
      description: 'The global id of the deleted image, for removing it from client caches.',
      resolve: (payload) => payload.deletedId,
    }),
    errors: t.field({
      type: [MutationError],
      description: 'Why nothing was deleted; empty on success.',
      resolve: (payload) => payload.errors,
    }),
  }),
});

function failed(errors: MutationProblem[]): ImagePayloadShape & DeletePayloadShape {
  return { image: null, deletedId: null, errors };
}

function succeeded(record: ImageRecord): ImagePayloadShape {
  return { image: sourceOf('image', record), errors: [] };
}

/**
 * Foreman's refusals that a form can show (422 validation, 404 target) become payload errors;
 * anything else (401, 403, faults) stays a top-level error with its code.
 */
function refusal(error: unknown, notFoundId: string, notFoundMessage: string): MutationProblem[] {
  if (error instanceof UpstreamError && error.kind === 'http') {
    if (error.status === 422) {
      return problemsFromValidation(error, imageInputFieldOf, IMAGE_ASSOCIATIONS);
    }
    if (error.status === 404) {
      return [{ kind: 'not_found', id: notFoundId, message: notFoundMessage }];
    }
  }
  throw error;
}

/**
 * Foreman does not check that the records an image refers to exist: its database does, and the
 * write fails with HTTP 500 and a foreign-key error. Checking first (batched with every other
 * lookup) turns that into an error on the input field. A check that cannot be made (no
 * permission to read architectures, say) is left to Foreman.
 */
async function missingReferences(
  ctx: GatewayContext,
  attributes: ImageAttributes,
): Promise<MutationProblem[]> {
  const references = referencedRecords(attributes);
  const found = await Promise.all(
    references.map((r) => ctx.foreman.record(r.resource, r.id).catch(() => undefined)),
  );
  return references.flatMap((reference, index) =>
    found[index] === null
      ? [
          {
            kind: 'input' as const,
            message: `${NODE_TYPES[reference.resource].graphqlName} ${reference.id} was not found`,
            path: ['input', reference.field],
          },
        ]
      : [],
  );
}

/** Finds the image to change; a missing one is a NotFoundError, not an exception. */
async function findImage(
  ctx: GatewayContext,
  id: string,
): Promise<ImageRecord | MutationProblem[]> {
  let identity: ReturnType<typeof parseImageId>;
  try {
    identity = parseImageId(id, 'id');
  } catch (error) {
    return [{ kind: 'input', message: (error as Error).message, path: ['input', 'id'] }];
  }
  const image = await ctx.foreman.image(identity);
  return image ?? [{ kind: 'not_found', id, message: `Image ${id} was not found` }];
}

builder.mutationFields((t) => ({
  createImage: t.field({
    type: CreateImagePayload,
    // Nullable: a mutation that fails outright (no permission, Foreman down) is null with its
    // error, and the other mutations of the operation keep their results.
    nullable: true,
    description: 'Creates an image in a compute resource. Sent to Foreman once, never retried.',
    args: {
      input: t.arg({ type: CreateImageInput, required: true, description: 'The new image.' }),
    },
    resolve: async (_root, { input }, ctx) => {
      const { attributes, problems } = validateImageInput(input);
      // The compute resource is the route's parent, not a reference checked here: Foreman itself
      // answers 404 for a missing one.
      const { compute_resource_id: computeResourceId, ...body } = attributes;
      if (problems.length > 0 || !computeResourceId) return failed(problems);
      const missing = await missingReferences(ctx, body);
      if (missing.length > 0) return failed(missing);
      try {
        const created = await ctx.foreman.createImage(computeResourceId, body);
        return succeeded(created);
      } catch (error) {
        return failed(
          refusal(
            error,
            input.computeResourceId,
            `Compute resource ${input.computeResourceId} was not found`,
          ),
        );
      }
    },
  }),
  updateImage: t.field({
    type: UpdateImagePayload,
    // Nullable: a mutation that fails outright (no permission, Foreman down) is null with its
    // error, and the other mutations of the operation keep their results.
    nullable: true,
    description:
      'Changes an image: absent fields stay as they are, explicit nulls are sent as null. Never retried.',
    args: { input: t.arg({ type: UpdateImageInput, required: true, description: 'The changes.' }) },
    resolve: async (_root, { input }, ctx) => {
      const { id, ...changes } = input;
      const { attributes, problems } = validateImageInput(changes);
      if (problems.length > 0) return failed(problems);
      const [image, missing] = await Promise.all([
        findImage(ctx, id),
        missingReferences(ctx, attributes),
      ]);
      if (Array.isArray(image)) return failed(image);
      if (missing.length > 0) return failed(missing);
      try {
        const updated = await ctx.foreman.updateImage(image, attributes);
        return succeeded(updated);
      } catch (error) {
        return failed(refusal(error, id, `Image ${id} was not found`));
      }
    },
  }),
  deleteImage: t.field({
    type: DeleteImagePayload,
    // Nullable: a mutation that fails outright (no permission, Foreman down) is null with its
    // error, and the other mutations of the operation keep their results.
    nullable: true,
    description:
      'Deletes an image. The payload shows the image as read just before; its password is never returned. Never retried.',
    args: { input: t.arg({ type: DeleteImageInput, required: true, description: 'The image.' }) },
    resolve: async (_root, { input }, ctx) => {
      const image = await findImage(ctx, input.id);
      if (Array.isArray(image)) return failed(image);
      try {
        await ctx.foreman.deleteImage(image);
      } catch (error) {
        return failed(refusal(error, input.id, `Image ${input.id} was not found`));
      }
      return {
        image: sourceOf('image', image),
        deletedId: encodeImageId(image.id),
        errors: [],
      };
    },
  }),
}));
