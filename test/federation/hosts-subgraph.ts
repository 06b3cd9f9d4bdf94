import SchemaBuilder from '@pothos/core';
import DirectivesPlugin from '@pothos/plugin-directives';
import FederationPlugin from '@pothos/plugin-federation';
import type { GraphQLSchema } from 'graphql';

/**
 * A second, independent subgraph for the composition test: a hosts service that knows Foreman's
 * numeric ids (as real inventories do), references our Image and Architecture by `foremanId`,
 * and extends Image with a field of its own.
 */
export interface HostRecord {
  id: string;
  name: string;
  imageForemanId: number;
  architectureForemanId: number;
}

export function createHostsSubgraph(hosts: HostRecord[]): GraphQLSchema {
  const builder = new SchemaBuilder<{ DefaultFieldNullability: false }>({
    plugins: [DirectivesPlugin, FederationPlugin],
    defaultFieldNullability: false,
  });

  const Image = builder.externalRef('Image', builder.selection<{ foremanId: number }>('foremanId'));
  const Architecture = builder.externalRef(
    'Architecture',
    builder.selection<{ foremanId: number }>('foremanId'),
  );
  const Host = builder.objectRef<HostRecord>('Host');

  Image.implement({
    externalFields: (t) => ({ foremanId: t.int() }),
    fields: (t) => ({
      hosts: t.field({
        type: [Host],
        description: 'Hosts built from this image (owned by the hosts service).',
        resolve: (image) => hosts.filter((host) => host.imageForemanId === image.foremanId),
      }),
    }),
  });
  Architecture.implement({ externalFields: (t) => ({ foremanId: t.int() }) });

  Host.implement({
    fields: (t) => ({
      id: t.exposeID('id'),
      name: t.exposeString('name'),
      image: t.field({ type: Image, resolve: (host) => ({ foremanId: host.imageForemanId }) }),
      architecture: t.field({
        type: Architecture,
        resolve: (host) => ({ foremanId: host.architectureForemanId }),
      }),
    }),
  });
  builder.asEntity(Host, {
    key: builder.selection<{ id: string }>('id'),
    resolveReference: (ref) => hosts.find((host) => host.id === ref.id) ?? null,
  });

  builder.queryType({
    fields: (t) => ({ hosts: t.field({ type: [Host], resolve: () => hosts }) }),
  });
  return builder.toSubGraphSchema({});
}
