/** A value as a SQL column holds it; null stands for NULL (also an empty LEFT JOIN). */
export type FieldValue = string | number | boolean | null;

/** One `scoped_search` declaration of a model. */
export interface SearchField<T> {
  /** The name used in queries (scoped_search's :rename, else the column). */
  name: string;
  /** scoped_search's `field.field`, the column: it is what error messages name. */
  column: string;
  type: 'string' | 'integer' | 'boolean';
  /** Not searched by bare terms. */
  onlyExplicit?: boolean;
  /** ScopedSearch::Validators::INTEGER. */
  integerValidator?: boolean;
  /** complete_value of a set field, e.g. { true: true, false: false }. */
  set?: Readonly<Record<string, boolean>>;
  /**
   * The column's values for a record: one for a plain column or belongs_to, one per associated
   * row for has_many relations, where an empty association reads as a single NULL.
   */
  values(record: T): FieldValue[];
}

export interface SearchDefinition<T extends { id: number }> {
  fields: readonly SearchField<T>[];
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
