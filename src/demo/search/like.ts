/**
 * The pattern scoped_search sends for `~`/`!~`: the value wrapped in % unless it already holds
 * a wildcard. The condition is scoped_search's own regex pair (query_builder.rb,
 * preprocess_parameters), whose precedence means "a * anywhere or a leading %" and "a % anywhere
 * or a trailing *" (Ruby anchors are per line, hence the m flag). Runs of % and * become one %.
 */
export function likePattern(value: string): string {
  const plain = !/^%|\*/m.test(value) && !/%|\*$/m.test(value);
  return plain ? `%${value}%` : value.replace(/[%*]+/g, '%');
}

/** PostgreSQL ILIKE: % is any run, _ one character, backslash escapes; case-insensitive. */
export function ilikeMatcher(pattern: string): (text: string) => boolean {
  let source = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const char = pattern.charAt(i);
    if (char === '\\' && i + 1 < pattern.length) {
      i += 1;
      source += escapeRegExp(pattern.charAt(i));
    } else if (char === '%') {
      source += '.*';
    } else if (char === '_') {
      source += '.';
    } else {
      source += escapeRegExp(char);
    }
  }
  const regex = new RegExp(`^${source}$`, 'isu');
  return (text) => regex.test(text);
}

function escapeRegExp(text: string): string {
  // Only syntax characters: the u flag rejects identity escapes such as \-.
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
