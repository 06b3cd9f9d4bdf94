/**
 * Compares two V8 heap snapshots of one process (`bench:soak --snapshots <dir>` writes them):
 * objects by constructor (or closure by function name, strings, arrays…), count and self size in
 * each, the biggest growth first; and, for the kinds that grew most, what holds them (the
 * retaining object's kind and the edge's name), so that a growing Map or a listener list can be
 * named.
 *
 *   node --max-old-space-size=4096 --import tsx bench/heap-diff.ts <first> <second> [--top 25] [--retainers 6] [--why <kind>]
 *
 * `--why Source` follows each `Source` of the second snapshot up its first retainers (to 60
 * steps) and counts the chains by their last six steps: where objects of that kind are held from.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    top: { type: 'string', default: '25' },
    retainers: { type: 'string', default: '6' },
    why: { type: 'string' },
  },
});
if (positionals.length !== 2) throw new Error('usage: heap-diff.ts <first> <second>');

interface Snapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

interface Heap {
  /** Per node: its kind (`Map`, `closure onAbort`, `string`…). */
  kinds: string[];
  selfSizes: number[];
  /** Retainers of each node as [node index, edge name] pairs. */
  retainers(node: number): Array<[number, string]>;
}

function load(path: string): Heap {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
  const { meta } = raw.snapshot;
  const nodeFields = meta.node_fields.length;
  const edgeFields = meta.edge_fields.length;
  const typeIndex = meta.node_fields.indexOf('type');
  const nameIndex = meta.node_fields.indexOf('name');
  const sizeIndex = meta.node_fields.indexOf('self_size');
  const edgeCountIndex = meta.node_fields.indexOf('edge_count');
  const edgeTypeIndex = meta.edge_fields.indexOf('type');
  const edgeNameIndex = meta.edge_fields.indexOf('name_or_index');
  const edgeToIndex = meta.edge_fields.indexOf('to_node');
  const nodeTypes = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const count = raw.nodes.length / nodeFields;
  const kinds: string[] = new Array(count);
  const selfSizes: number[] = new Array(count);
  const firstEdge = new Int32Array(count + 1);
  for (let node = 0, edge = 0; node < count; node++) {
    const base = node * nodeFields;
    const type = nodeTypes[raw.nodes[base + typeIndex] as number] as string;
    const name = raw.strings[raw.nodes[base + nameIndex] as number] as string;
    kinds[node] =
      type === 'object' || type === 'native'
        ? name
        : type === 'closure'
          ? `closure ${name || '(anonymous)'}`
          : type === 'string' || type === 'concatenated string' || type === 'sliced string'
            ? 'string'
            : `(${type}) ${type === 'hidden' || type === 'array' ? name : ''}`.trim();
    selfSizes[node] = raw.nodes[base + sizeIndex] as number;
    firstEdge[node] = edge;
    edge += raw.nodes[base + edgeCountIndex] as number;
    firstEdge[node + 1] = edge;
  }
  // Reverse edges, built once and only when asked for.
  let reverse: Map<number, Array<[number, string]>> | undefined;
  return {
    kinds,
    selfSizes,
    retainers(target) {
      if (!reverse) {
        reverse = new Map();
        for (let node = 0; node < count; node++) {
          for (let e = firstEdge[node] as number; e < (firstEdge[node + 1] as number); e++) {
            const base = e * edgeFields;
            const type = edgeTypes[raw.edges[base + edgeTypeIndex] as number];
            if (type === 'weak' || type === 'shortcut') continue;
            const to = (raw.edges[base + edgeToIndex] as number) / nodeFields;
            const nameOrIndex = raw.edges[base + edgeNameIndex] as number;
            const name =
              type === 'element' || type === 'hidden'
                ? `[${type}]`
                : String(raw.strings[nameOrIndex] ?? nameOrIndex);
            let list = reverse.get(to);
            if (!list) {
              list = [];
              reverse.set(to, list);
            }
            list.push([node, name]);
          }
        }
      }
      return reverse.get(target) ?? [];
    },
  };
}

function byKind(heap: Heap): Map<string, { count: number; bytes: number }> {
  const table = new Map<string, { count: number; bytes: number }>();
  heap.kinds.forEach((kind, node) => {
    const row = table.get(kind) ?? { count: 0, bytes: 0 };
    row.count += 1;
    row.bytes += heap.selfSizes[node] as number;
    table.set(kind, row);
  });
  return table;
}

const [firstPath, secondPath] = positionals as [string, string];
const first = byKind(load(firstPath));
const secondHeap = load(secondPath);
const second = byKind(secondHeap);
const rows = [...second].map(([kind, after]) => {
  const before = first.get(kind) ?? { count: 0, bytes: 0 };
  return { kind, count: after.count - before.count, bytes: after.bytes - before.bytes, after };
});
rows.sort((a, b) => b.bytes - a.bytes);
const top = Number(values.top);
const total = (table: Map<string, { bytes: number }>) =>
  [...table.values()].reduce((sum, row) => sum + row.bytes, 0);
console.log(
  `self size: ${(total(first) / 1e6).toFixed(1)} MB → ${(total(second) / 1e6).toFixed(1)} MB`,
);
console.log('| kind | Δ count | Δ self KB | count after |\n| --- | --- | --- | --- |');
for (const row of rows.slice(0, top)) {
  console.log(
    `| ${row.kind.slice(0, 80)} | ${row.count} | ${Math.round(row.bytes / 1024)} | ${row.after.count} |`,
  );
}

// What holds the kinds that grew most (by count), in the second snapshot.
const grown = [...rows]
  .filter((row) => row.count > 0)
  .sort((a, b) => b.count - a.count)
  .slice(0, Number(values.retainers));
for (const row of grown) {
  const holders = new Map<string, number>();
  secondHeap.kinds.forEach((kind, node) => {
    if (kind !== row.kind) return;
    for (const [holder, edge] of secondHeap.retainers(node)) {
      const key = `${secondHeap.kinds[holder]} .${edge}`;
      holders.set(key, (holders.get(key) ?? 0) + 1);
    }
  });
  const list = [...holders].sort((a, b) => b[1] - a[1]).slice(0, 6);
  console.log(`\n${row.kind} (+${row.count}) is held by:`);
  for (const [holder, n] of list) console.log(`  ${n} × ${holder.slice(0, 120)}`);
}

if (values.why) {
  const chains = new Map<string, number>();
  secondHeap.kinds.forEach((kind, node) => {
    if (kind !== values.why) return;
    const steps: string[] = [];
    const seen = new Set([node]);
    for (let at = node, depth = 0; depth < 60; depth++) {
      const holder = secondHeap
        .retainers(at)
        .find(([from]) => !seen.has(from) && !secondHeap.kinds[from]?.startsWith('(hidden)'));
      if (!holder) break;
      steps.push(`${secondHeap.kinds[holder[0]]}.${holder[1].replace(/^\d+$/, '[i]')}`);
      seen.add(holder[0]);
      at = holder[0];
    }
    const key = (steps.length > 6 ? ['…', ...steps.slice(-6)] : steps).join(' ← ');
    chains.set(key, (chains.get(key) ?? 0) + 1);
  });
  console.log(`\n${values.why} is held through:`);
  for (const [chain, n] of [...chains].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
    console.log(`  ${n} × ${chain.slice(0, 300)}`);
  }
}
