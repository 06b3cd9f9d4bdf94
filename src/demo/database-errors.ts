/**
 * Errors PostgreSQL raises, worded as ActiveRecord reports them ("<PG class>: <server message>").
 * Foreman's `rescue_from StandardError` answers any of them with 500 and that text, so these
 * internals reach API clients verbatim. Messages that PostgreSQL follows with a "LINE 1:" excerpt
 * of the SQL end after their first line here: the demo has no SQL to quote.
 */
export class DatabaseError extends Error {
  override readonly name = 'DatabaseError';
}

/** PG::ForeignKeyViolation for an INSERT or UPDATE naming a row that does not exist. */
export function foreignKeyViolation(reference: {
  table: string;
  column: string;
  constraint: string;
  value: number;
  referencedTable: string;
}): DatabaseError {
  const { table, column, constraint, value, referencedTable } = reference;
  return new DatabaseError(
    `PG::ForeignKeyViolation: ERROR:  insert or update on table "${table}" violates foreign key constraint "${constraint}"\nDETAIL:  Key (${column})=(${value}) is not present in table "${referencedTable}".\n`,
  );
}

/** PG::NumericValueOutOfRange: a literal beyond a 32-bit integer column's range. */
export function integerOutOfRange(literal: string): DatabaseError {
  return new DatabaseError(
    `PG::NumericValueOutOfRange: ERROR:  value "${literal}" is out of range for type integer\n`,
  );
}

/** PG::InvalidTextRepresentation: a literal that is no integer at all, for an integer column. */
export function invalidInteger(literal: string): DatabaseError {
  return new DatabaseError(
    `PG::InvalidTextRepresentation: ERROR:  invalid input syntax for type integer: "${literal}"\n`,
  );
}

/** PG::SyntaxError at a quoted literal. */
export function syntaxErrorAt(literal: string): DatabaseError {
  return new DatabaseError(`PG::SyntaxError: ERROR:  syntax error at or near "'${literal}'"\n`);
}

const INT4_MIN = -2_147_483_648;
const INT4_MAX = 2_147_483_647;

/**
 * How PostgreSQL reads a quoted literal compared with an int4 column (int4in): optional
 * surrounding whitespace and sign, then digits; anything else is invalid, and a value outside
 * 32 bits is out of range. Returns the integer, or the error PostgreSQL would raise.
 */
export function int4Literal(literal: string): number | DatabaseError {
  if (!/^\s*[+-]?\d+\s*$/.test(literal)) return invalidInteger(literal);
  const value = Number(literal.trim());
  if (value < INT4_MIN || value > INT4_MAX) return integerOutOfRange(literal);
  return value;
}
