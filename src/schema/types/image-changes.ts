import type { ImageChangeEvent, ImagePlace } from '../../foreman/changes.js';
import { builder } from '../builder.js';
import { encodeImageId, parseImageParents } from '../ids.js';
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

const ImageChange = builder.objectRef<ImageChangeEvent>('ImageChange').implement({
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
      "Image changes as they happen: those made through this gateway at once, those made elsewhere within the audit polling interval (read from Foreman's audit log). Only changes in compute resources you can see reach you. Over Server-Sent Events (`Accept: text/event-stream`).",
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
