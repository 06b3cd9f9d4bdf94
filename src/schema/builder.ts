import SchemaBuilder from '@pothos/core';
import DirectivesPlugin from '@pothos/plugin-directives';
import FederationPlugin from '@pothos/plugin-federation';
import type { GatewayContext } from '../context.js';

/** The one schema builder. Type definitions live in ./types, one file per type. */
export const builder = new SchemaBuilder<{
  Context: GatewayContext;
  DefaultFieldNullability: false;
  Scalars: {
    DateTime: { Input: string; Output: string };
    ID: { Input: string; Output: string };
  };
}>({
  // Federation needs the directives plugin, listed first (it does not declare the dependency).
  plugins: [DirectivesPlugin, FederationPlugin],
  defaultFieldNullability: false,
});

builder.queryType({ description: 'Reads of Foreman images and the resources they belong to.' });
builder.mutationType({ description: 'Writes to Foreman images. None is ever retried.' });
builder.subscriptionType({ description: 'Live changes, over Server-Sent Events.' });

builder.scalarType('DateTime', {
  description: 'An instant in ISO 8601, always in UTC (e.g. `2024-05-02T09:14:31.000Z`).',
  serialize: (value) => value,
  parseValue: (value) => {
    if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) {
      throw new TypeError('DateTime must be an ISO 8601 string');
    }
    return new Date(value).toISOString();
  },
});
