import { type GraphQLObjectType, isObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../../src/schema/index.js';
import { columnOf } from '../../src/schema/sources.js';

/**
 * An image's related records are read only when the selection needs a column the image row does
 * not carry; which column a field reads is known from its resolver. Were the built schema's
 * resolvers wrapped (a plugin, say), nothing would fail: every related record would simply be
 * read. This keeps that from happening unseen.
 */
describe('column-backed fields in the built schema', () => {
  const fieldsOf = (name: string) => {
    const type = schema.getType(name);
    expect(isObjectType(type)).toBe(true);
    return (type as GraphQLObjectType).getFields();
  };

  it.each([
    ['Architecture', 'name', 'name'],
    ['Architecture', 'createdAt', 'created_at'],
    ['OperatingSystem', 'title', 'title'],
    ['OperatingSystem', 'major', 'major'],
    ['ComputeResource', 'name', 'name'],
  ])('%s.%s answers from its %s column', (type, field, column) => {
    expect(columnOf(fieldsOf(type)[field]?.resolve)).toBe(column);
  });

  it('fields that are not columns are not marked', () => {
    expect(columnOf(fieldsOf('Architecture').images?.resolve)).toBeUndefined();
    expect(columnOf(fieldsOf('Architecture').id?.resolve)).toBeUndefined();
  });
});
