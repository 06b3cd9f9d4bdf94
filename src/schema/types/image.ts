import type { GatewayContext } from '../../context.js';
import { imagesPath } from '../../foreman/paths.js';
import type { ImageParent, ImageRecord } from '../../foreman/records.js';
import { timestamp } from '../../foreman/timestamps.js';
import { fetchImagesEverywhere } from '../../foreman/windows.js';
import { builder } from '../builder.js';
import {
  defineConnection,
  fetchList,
  type ListArgs,
  listArgs,
  listRequest,
} from '../connections.js';
import { badUserInput } from '../errors.js';
import { parseForemanId, parseImageId } from '../ids.js';
import { loadImage } from '../load.js';
import { Architecture, ComputeResource, Image, Node, OperatingSystem } from '../refs.js';
import { partialSource, sourceOf } from '../sources.js';

Image.implement({
  description:
    'A Foreman image: a template (VM image, AMI…) in a compute resource, for one architecture and operating system.',
  interfaces: [Node],
  isTypeOf: (source) => (source as { typeName?: string }).typeName === 'Image',
  fields: (t) => ({
    foremanId: t.int({ description: "Foreman's numeric id.", resolve: (s) => s.foremanId }),
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
    createdAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it was created.',
      resolve: (s) => timestamp(s.known.created_at),
    }),
    updatedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it last changed.',
      resolve: (s) => timestamp(s.known.updated_at),
    }),
    computeResource: t.field({
      type: ComputeResource,
      nullable: true,
      description: 'The compute resource it belongs to.',
      resolve: (s) =>
        partialSource('ComputeResource', s.known.compute_resource_id, {
          id: s.known.compute_resource_id,
          ...(s.known.compute_resource_name != null ? { name: s.known.compute_resource_name } : {}),
        }),
    }),
    architecture: t.field({
      type: Architecture,
      nullable: true,
      description: 'Its architecture.',
      resolve: (s) =>
        partialSource('Architecture', s.known.architecture_id, {
          id: s.known.architecture_id,
          ...(s.known.architecture_name != null ? { name: s.known.architecture_name } : {}),
        }),
    }),
    operatingSystem: t.field({
      type: OperatingSystem,
      nullable: true,
      description: 'Its operating system.',
      resolve: (s) =>
        partialSource('OperatingSystem', s.known.operatingsystem_id, {
          id: s.known.operatingsystem_id,
          // Foreman's `operatingsystem_name` is the OS's to_label, which is its title.
          ...(s.known.operatingsystem_name != null ? { title: s.known.operatingsystem_name } : {}),
        }),
    }),
  }),
});

export const ImageConnection = defineConnection('Image', Image, (row: ImageRecord) =>
  sourceOf('Image', row),
);

/** Without `order`, Foreman leaves images unordered; `id` keeps pages stable. */
const DEFAULT_IMAGE_ORDER = 'id';

/** One parent's images, as a connection window. */
export function listImages(ctx: GatewayContext, parent: ImageParent, args: ListArgs) {
  return fetchList<ImageRecord>(ctx, imagesPath(parent), args, DEFAULT_IMAGE_ORDER);
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
      const parents = [
        args.computeResourceId != null &&
          ({
            collection: 'compute_resources',
            id: parseForemanId(args.computeResourceId, 'ComputeResource', 'computeResourceId'),
          } as const),
        args.operatingSystemId != null &&
          ({
            collection: 'operatingsystems',
            id: parseForemanId(args.operatingSystemId, 'Operatingsystem', 'operatingSystemId'),
          } as const),
        args.architectureId != null &&
          ({
            collection: 'architectures',
            id: parseForemanId(args.architectureId, 'Architecture', 'architectureId'),
          } as const),
      ].filter((parent) => parent !== false);
      if (parents.length > 1) {
        throw badUserInput(
          'Pass at most one of computeResourceId, operatingSystemId and architectureId',
        );
      }
      const [parent] = parents;
      if (parent) return listImages(ctx, parent, args);
      const { window, options } = listRequest(args, ctx.limits, DEFAULT_IMAGE_ORDER);
      return fetchImagesEverywhere(ctx.loaders, window, options);
    },
  }),
}));
