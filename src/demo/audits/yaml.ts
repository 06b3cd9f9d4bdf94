import type { AuditedValue } from '../records.js';

/**
 * The `audited_changes` column as Foreman stores it: Psych's YAML dump of the hash (audits.
 * audited_changes is a text column, so audited serializes with YAML). The search field
 * `changes` runs ILIKE over this text. Scalars are written plain when Psych would, else
 * double-quoted; close enough for substring matching, not a full YAML emitter.
 */
export function auditedChangesYaml(changes: Record<string, AuditedValue>): string {
  const lines = ['---'];
  for (const [key, value] of Object.entries(changes)) {
    if (Array.isArray(value)) {
      lines.push(`${key}:`);
      for (const item of value) lines.push(`- ${scalar(item)}`);
    } else {
      lines.push(`${key}: ${scalar(value)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

const RESERVED = /^(?:true|false|yes|no|on|off|null|~|y|n|-?\d+(?:\.\d+)?)$/i;

function scalar(value: AuditedValue): string {
  if (value === null) return '';
  if (Array.isArray(value)) return `[${value.map(scalar).join(', ')}]`;
  if (typeof value !== 'string') return String(value);
  const plain =
    value !== '' &&
    !RESERVED.test(value) &&
    /^[^\s\-?:,[\]{}#&*!|>'"%@`]/.test(value) &&
    !/: |\s#|\s$|[\n\t]/.test(value);
  return plain ? value : JSON.stringify(value);
}
