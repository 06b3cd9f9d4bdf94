/** A value as a SQL column holds it; null stands for NULL (also an empty LEFT JOIN). */
export type FieldValue = string | number | boolean | null;

/** One `scoped_search` declaration of a model. */
export interface SearchField<T> {
  /** The name used in queries (scoped_search's :rename, else the column). */
  name: string;
  /** scoped_search's `field.field`, the column: it is what error messages name. */
  column: string;
  /** The column type; a datetime column's values are epoch milliseconds. */
  type: 'string' | 'integer' | 'boolean' | 'datetime';
  /** Not searched by bare terms. */
  onlyExplicit?: boolean;
  /** ScopedSearch::Validators::INTEGER. */
  integerValidator?: boolean;
  /** Values the validator lets through anyway (scoped_search's :special_values). */
  specialValues?: readonly string[];
  /** scoped_search's :value_translation, applied to every value but LIKE patterns. */
  translate?: (value: string) => string;
  /**
   * complete_value of a set field: the only values a query may use, mapped to what the column
   * holds, e.g. { true: true, false: false } or { image: 'Image' }.
   */
  set?: Readonly<Record<string, boolean | string>>;
  /**
   * The column's values for a record: one for a plain column or belongs_to, one per associated
   * row for has_many relations, where an empty association reads as a single NULL.
   */
  values(record: T): FieldValue[];
}

/** What scoped_search's parse_temporal reads relative values against: Time.zone and now. */
export interface TemporalContext {
  now: Date;
  /** The user's time zone, as a fixed offset. */
  utcOffsetMinutes: number;
}

export interface SearchDefinition<T extends { id: number }> {
  fields: readonly SearchField<T>[];
  /** Needed when a field is a datetime. */
  temporal?: TemporalContext;
}

export function fieldByName<T extends { id: number }>(
  definition: SearchDefinition<T>,
  name: string,
): SearchField<T> | undefined {
  return definition.fields.find((f) => f.name === name);
}

/** Values of a has_many relation, reading an empty one as the NULL row of a LEFT JOIN. */
export function relationValues(values: FieldValue[]): FieldValue[] {
  return values.length > 0 ? values : [null];
}
