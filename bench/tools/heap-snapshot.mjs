/**
 * Heap snapshots (CDP `HeapProfiler.takeHeapSnapshot`) reduced to counts and self sizes per
 * constructor name, so two snapshots can be diffed: what a cycle leaves behind, by type.
 */

export async function takeSnapshot(page) {
  const chunks = [];
  const onChunk = (p) => chunks.push(p.chunk);
  page.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  try {
    await page.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false, captureNumericValue: false });
  } finally {
    page.listeners.set('HeapProfiler.addHeapSnapshotChunk', (page.listeners.get('HeapProfiler.addHeapSnapshotChunk') ?? []).filter((l) => l !== onChunk));
  }
  return summariseSnapshot(JSON.parse(chunks.join('')));
}

/** `Map<name, {count, size}>` over the snapshot's nodes; names are `type:name` for non-objects. */
export function summariseSnapshot(snapshot) {
  const meta = snapshot.snapshot.meta;
  const fields = meta.node_fields;
  const stride = fields.length;
  const typeIdx = fields.indexOf('type');
  const nameIdx = fields.indexOf('name');
  const sizeIdx = fields.indexOf('self_size');
  const types = meta.node_types[typeIdx];
  const { nodes, strings } = snapshot;
  const out = new Map();
  for (let i = 0; i < nodes.length; i += stride) {
    const type = types[nodes[i + typeIdx]];
    const rawName = strings[nodes[i + nameIdx]];
    let key;
    if (type === 'object' || type === 'closure' || type === 'native') key = `${type === 'object' ? '' : `(${type}) `}${rawName.slice(0, 80)}`;
    else key = `(${type})`;
    const entry = out.get(key) ?? { count: 0, size: 0 };
    entry.count++;
    entry.size += nodes[i + sizeIdx];
    out.set(key, entry);
  }
  return out;
}

/** Entries whose count grew, largest size growth first. */
export function diffSnapshots(before, after, cycles, limit = 15) {
  const rows = [];
  for (const [key, a] of after) {
    const b = before.get(key) ?? { count: 0, size: 0 };
    const dCount = a.count - b.count;
    const dSize = a.size - b.size;
    if (dCount <= 0 && dSize <= 0) continue;
    rows.push({ key, countDelta: dCount, sizeDelta: dSize, perCycleCount: dCount / cycles, perCycleBytes: dSize / cycles });
  }
  return rows.sort((x, y) => y.sizeDelta - x.sizeDelta).slice(0, limit);
}
