import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  decodeGlobalId,
  encodeGlobalId,
  encodeImageId,
  parseForemanId,
  parseImageId,
  parseNodeId,
} from '../../src/schema/ids.js';

function codeOf(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error instanceof GraphQLError ? error.extensions.code : error;
  }
  return 'no error';
}

describe('global ids', () => {
  it("encodes like Foreman's own GraphQL API", () => {
    // The examples of Foreman's own GraphQL ids (app/services/foreman/global_id.rb).
    expect(encodeGlobalId('architecture', 5)).toBe('MDE6QXJjaGl0ZWN0dXJlLTU=');
    expect(encodeGlobalId('operatingSystem', 1)).toBe('MDE6T3BlcmF0aW5nc3lzdGVtLTE=');
    expect(encodeGlobalId('computeResource', 3)).toBe('MDE6Q29tcHV0ZVJlc291cmNlLTM=');
  });

  it("an image id is Foreman's form, 01:Image-<id>; the older form with its compute resource still reads", () => {
    const id = encodeImageId(12);
    expect(Buffer.from(id, 'base64').toString()).toBe('01:Image-12');
    expect(decodeGlobalId(id)).toEqual({ resource: 'image', imageId: 12 });
    const legacy = Buffer.from('01:Image-3-12').toString('base64');
    expect(decodeGlobalId(legacy)).toEqual({
      resource: 'image',
      computeResourceId: 3,
      imageId: 12,
    });
  });

  it('round-trips every type', () => {
    for (const resource of ['architecture', 'operatingSystem', 'computeResource'] as const) {
      expect(decodeGlobalId(encodeGlobalId(resource, 42))).toEqual({ resource, foremanId: 42 });
    }
  });

  it.each([
    ['not base64', '!!!'],
    ['unknown type', Buffer.from('01:Host-1').toString('base64')],
    ['wrong version', Buffer.from('02:Architecture-1').toString('base64')],
    ['zero id', Buffer.from('01:Architecture-0').toString('base64')],
    ['signed id', Buffer.from('01:Architecture--1').toString('base64')],
    ['image with three numbers', Buffer.from('01:Image-1-2-3').toString('base64')],
    ['extra part', Buffer.from('01:Architecture-1-2').toString('base64')],
    ['non-canonical base64', 'MDE6QXJjaGl0ZWN0dXJlLTU'],
    ['injection attempt', Buffer.from('01:Architecture-1) or (id > 0').toString('base64')],
    ['empty', ''],
  ])('rejects %s', (_label, value) => {
    expect(decodeGlobalId(value)).toBeUndefined();
  });
});

describe('id arguments', () => {
  it('accept a global id or a decimal Foreman id', () => {
    expect(parseForemanId('MDE6QXJjaGl0ZWN0dXJlLTU=', 'architecture', 'id')).toBe(5);
    expect(parseForemanId('17', 'architecture', 'id')).toBe(17);
    expect(parseImageId('12', 'id')).toEqual({ imageId: 12 });
    expect(parseImageId(encodeImageId(9), 'id')).toEqual({ resource: 'image', imageId: 9 });
  });

  it.each(['0', '-3', '1.5', '1e3', ' 4', '007', 'x86_64', '9999999999999999', '4 or id > 0'])(
    'reject %j as BAD_USER_INPUT',
    (value) => {
      expect(codeOf(() => parseForemanId(value, 'architecture', 'id'))).toBe('BAD_USER_INPUT');
    },
  );

  it('reject a global id of the wrong type, naming both types', () => {
    const osId = encodeGlobalId('operatingSystem', 1);
    expect(() => parseForemanId(osId, 'architecture', 'architectureId')).toThrow(
      'Argument "architectureId" expects an Architecture id, got an Operatingsystem id',
    );
    expect(codeOf(() => parseImageId(osId, 'id'))).toBe('BAD_USER_INPUT');
  });

  it('node ids must be global ids', () => {
    expect(codeOf(() => parseNodeId('5', 'id'))).toBe('BAD_USER_INPUT');
    expect(parseNodeId(encodeGlobalId('computeResource', 5), 'id')).toEqual({
      resource: 'computeResource',
      foremanId: 5,
    });
  });
});
