/**
 * The few Ruby conversions Foreman applies to raw parameters. Reproducing them keeps the demo's
 * answers to odd inputs ("page=abc", "per_page=20abc", "5-x86_64") identical to Foreman's.
 */

/** String#to_i: a leading optional sign and digits (underscores allowed), else 0. */
export function rubyToI(text: string): number {
  const match = /^\s*([+-]?\d+(?:_\d+)*)/.exec(text);
  return match?.[1] ? Number.parseInt(match[1].replaceAll('_', ''), 10) : 0;
}

const INTEGER_LITERAL =
  /^\s*([+-]?)(0[xX][0-9a-fA-F]+(?:_[0-9a-fA-F]+)*|0[bB][01]+(?:_[01]+)*|0[oO]?[0-7]+(?:_[0-7]+)*|0[dD]\d+(?:_\d+)*|[1-9]\d*(?:_\d+)*|0)\s*$/;

/** Kernel#Integer(String): prefixes 0x, 0b, 0o/0 and 0d, underscores; null when it raises. */
export function rubyInteger(text: string): number | null {
  const match = INTEGER_LITERAL.exec(text);
  if (!match?.[2]) return null;
  const literal = match[2].replaceAll('_', '');
  let value: number;
  if (/^0[xX]/.test(literal)) value = Number.parseInt(literal.slice(2), 16);
  else if (/^0[bB]/.test(literal)) value = Number.parseInt(literal.slice(2), 2);
  else if (/^0[dD]/.test(literal)) value = Number.parseInt(literal.slice(2), 10);
  else if (/^0[oO]/.test(literal)) value = Number.parseInt(literal.slice(2), 8);
  else if (/^0\d/.test(literal)) value = Number.parseInt(literal.slice(1), 8);
  else value = Number.parseInt(literal, 10);
  return match[1] === '-' ? -value : value;
}

/** String#inspect, as Ruby exception messages quote values. */
export function rubyInspect(text: string): string {
  return JSON.stringify(text).replaceAll('#{', '\\#{').replaceAll('#$', '\\#$');
}

/** String#strip: ASCII whitespace and NUL only (unlike String.prototype.trim). */
export function rubyStrip(text: string): string {
  return text.replace(/^[\t\n\v\f\r \0]+|[\t\n\v\f\r \0]+$/g, '');
}

/** Object#blank? for the parameter values Rails hands to controllers. */
export function isBlank(value: unknown): boolean {
  if (value === null || value === undefined || value === false) return true;
  if (typeof value === 'string') return /^\s*$/.test(value);
  return false;
}

/**
 * ActiveModel's integer cast of a string id: nil for non-numeric text ("kvm1"), otherwise
 * to_i ("5abc" is 5), which is how `find(params[:id])` treats ids.
 */
export function activeRecordId(text: string): number | null {
  return /^\s*[+-]?\d/.test(text) ? rubyToI(text) : null;
}
