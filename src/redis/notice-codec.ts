import type {
  AttributeChange,
  AttributeValue,
  ChangeAction,
  ChangeNotice,
  ImagePlace,
} from '../foreman/changes.js';

/** Foreman's ids are 32-bit integers; anything else never names an image or a parent. */
const MAX_ID = 2 ** 31 - 1;
/** Rails keeps at most 255 characters of a request id, and Foreman's logins are shorter. */
const MAX_TEXT = 255;
/** An image is in one place, or moves from one to another: never more. */
const MAX_PLACES = 2;
const ACTIONS: readonly ChangeAction[] = ['created', 'updated', 'deleted'];
const PLACE_KEYS = ['computeResourceId', 'operatingSystemId', 'architectureId'] as const;
/** An image has 9 audited columns; a change names each at most once. */
const MAX_CHANGES = 16;
/** Foreman's columns are strings of at most 255 characters, and its names are short. */
const MAX_ATTRIBUTE = 64;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

export type DecodedNotice = { notice: ChangeNotice } | { problem: string };

/** A notice as it travels between replicas: only its known fields, as JSON. */
export function encodeNotice(notice: ChangeNotice): string {
  return JSON.stringify(copyOf(notice));
}

/**
 * A ChangeNotice from what another replica sent, checked field by field and rebuilt from the
 * checked fields only (nothing else the message carries reaches a subscriber). A message that is
 * not one comes back as a short problem that names the field, never its content. Only gateway
 * writes are announced between replicas, so an audit notice is refused too.
 */
export function decodeNotice(value: unknown): DecodedNotice {
  if (!isRecord(value)) return { problem: 'not an object' };
  const { action, imageId, places, at, by, requestId, changes, source } = value;
  if (!ACTIONS.includes(action as ChangeAction)) return { problem: 'bad action' };
  if (!isId(imageId)) return { problem: 'bad imageId' };
  if (!Array.isArray(places) || places.length > MAX_PLACES) return { problem: 'bad places' };
  const checkedPlaces: ImagePlace[] = [];
  for (const place of places) {
    if (!isRecord(place)) return { problem: 'bad places' };
    const checked: ImagePlace = {};
    for (const key of PLACE_KEYS) {
      const id = place[key];
      if (id === undefined) continue;
      if (!isId(id)) return { problem: `bad places.${key}` };
      checked[key] = id;
    }
    checkedPlaces.push(checked);
  }
  if (typeof at !== 'string' || !ISO_TIME.test(at) || !Number.isFinite(Date.parse(at))) {
    return { problem: 'bad at' };
  }
  if (!isShortTextOrNull(by)) return { problem: 'bad by' };
  if (!isShortTextOrNull(requestId)) return { problem: 'bad requestId' };
  if (!Array.isArray(changes) || changes.length > MAX_CHANGES) return { problem: 'bad changes' };
  const checkedChanges: AttributeChange[] = [];
  for (const change of changes) {
    if (!isRecord(change)) return { problem: 'bad changes' };
    const { attribute, before, after } = change;
    if (
      typeof attribute !== 'string' ||
      attribute.length === 0 ||
      attribute.length > MAX_ATTRIBUTE
    ) {
      return { problem: 'bad changes.attribute' };
    }
    if (!isAttributeValue(before) || !isAttributeValue(after)) {
      return { problem: 'bad changes value' };
    }
    checkedChanges.push({ attribute, before, after });
  }
  if (source !== 'gateway') return { problem: 'bad source' };
  return {
    notice: copyOf({
      action: action as ChangeAction,
      imageId,
      places: checkedPlaces,
      at,
      by,
      requestId,
      changes: checkedChanges,
      source,
    }),
  };
}

function copyOf(notice: ChangeNotice): ChangeNotice {
  return {
    action: notice.action,
    imageId: notice.imageId,
    places: notice.places.map((place) => {
      const copy: ImagePlace = {};
      for (const key of PLACE_KEYS) if (place[key] !== undefined) copy[key] = place[key];
      return copy;
    }),
    at: notice.at,
    by: notice.by,
    requestId: notice.requestId,
    changes: notice.changes.map(({ attribute, before, after }) => ({ attribute, before, after })),
    source: notice.source,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isId(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_ID;
}

function isAttributeValue(value: unknown): value is AttributeValue {
  return (
    value === null ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value)) ||
    (typeof value === 'string' && value.length <= MAX_TEXT)
  );
}

function isShortTextOrNull(value: unknown): value is string | null {
  return value === null || (typeof value === 'string' && value.length <= MAX_TEXT);
}
