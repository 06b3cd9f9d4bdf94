import { GraphQLError } from 'graphql';
import type { GatewayContext } from '../../context.js';
import { UpstreamError } from '../../foreman/errors.js';
import { createImage, deleteImage, updateImage } from '../../foreman/image-writes.js';
import type { ImageRecord } from '../../foreman/records.js';
import { builder } from '../builder.js';
import { encodeImageId, parseImageId } from '../ids.js';
import { loadImage } from '../load.js';
import { Image, type ImageSource } from '../refs.js';
import { sourceOf } from '../sources.js';
import {
  CreateImageInput,
  DeleteImageInput,
  UpdateImageInput,
  validateImageInput,
} from './image-input.js';
import { MutationError, type MutationProblem, problemsFromValidation } from './mutation-errors.js';

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

/** The written image becomes what later fields of this operation read. */
function succeeded(ctx: GatewayContext, record: ImageRecord): ImagePayloadShape {
  ctx.loaders.afterWrite(record);
  return { image: sourceOf('Image', record), errors: [] };
}

/**
 * Foreman's refusals that a form can show (422 validation, 404 target) become payload errors;
 * anything else (401, 403, faults) stays a top-level error with its code.
 */
function refusal(error: unknown, notFoundId: string, notFoundMessage: string): MutationProblem[] {
  if (error instanceof UpstreamError && error.kind === 'http') {
    if (error.status === 422) return problemsFromValidation(error);
    if (error.status === 404)
      return [{ kind: 'not_found', id: notFoundId, message: notFoundMessage }];
  }
  throw error;
}

/** Finds the image to change; a missing one is a NotFoundError, not an exception. */
async function findImage(
  ctx: GatewayContext,
  id: string,
): Promise<ImageRecord | MutationProblem[]> {
  const identity = parseImageIdOrProblem(id);
  if (Array.isArray(identity)) return identity;
  try {
    return (await loadImage(ctx, identity)).known;
  } catch (error) {
    if (error instanceof GraphQLError && error.extensions.code === 'NOT_FOUND') {
      return [{ kind: 'not_found', id, message: `Image ${id} was not found` }];
    }
    throw error;
  }
}

function parseImageIdOrProblem(id: string): ReturnType<typeof parseImageId> | MutationProblem[] {
  try {
    return parseImageId(id, 'id');
  } catch (error) {
    return [{ kind: 'input', message: (error as Error).message, path: ['input', 'id'] }];
  }
}

builder.mutationFields((t) => ({
  createImage: t.field({
    type: CreateImagePayload,
    description: 'Creates an image in a compute resource. Sent to Foreman once, never retried.',
    args: {
      input: t.arg({ type: CreateImageInput, required: true, description: 'The new image.' }),
    },
    resolve: async (_root, { input }, ctx) => {
      const { attributes, problems } = validateImageInput(input);
      const { compute_resource_id: computeResourceId, ...body } = attributes;
      if (problems.length > 0 || !computeResourceId) return failed(problems);
      try {
        return succeeded(ctx, await createImage(ctx.foreman, computeResourceId, body));
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
    description:
      'Changes an image: absent fields stay as they are, explicit nulls are sent as null. Never retried.',
    args: { input: t.arg({ type: UpdateImageInput, required: true, description: 'The changes.' }) },
    resolve: async (_root, { input }, ctx) => {
      const { id, ...changes } = input;
      const { attributes, problems } = validateImageInput(changes);
      if (problems.length > 0) return failed(problems);
      const image = await findImage(ctx, id);
      if (Array.isArray(image)) return failed(image);
      try {
        return succeeded(
          ctx,
          await updateImage(ctx.foreman, image.compute_resource_id, image.id, attributes),
        );
      } catch (error) {
        return failed(refusal(error, id, `Image ${id} was not found`));
      }
    },
  }),
  deleteImage: t.field({
    type: DeleteImagePayload,
    description:
      'Deletes an image. The payload shows the image as read just before; its password is never returned. Never retried.',
    args: { input: t.arg({ type: DeleteImageInput, required: true, description: 'The image.' }) },
    resolve: async (_root, { input }, ctx) => {
      const image = await findImage(ctx, input.id);
      if (Array.isArray(image)) return failed(image);
      try {
        await deleteImage(ctx.foreman, image.compute_resource_id, image.id);
      } catch (error) {
        return failed(refusal(error, input.id, `Image ${input.id} was not found`));
      }
      ctx.loaders.afterWrite();
      return {
        image: sourceOf('Image', image),
        deletedId: encodeImageId({
          computeResourceId: image.compute_resource_id,
          imageId: image.id,
        }),
        errors: [],
      };
    },
  }),
}));
