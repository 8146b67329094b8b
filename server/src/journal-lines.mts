/**
 * The journal's line format, pure: one accepted chat per JSON line, in the field order
 * `{"seq","id","from","text","ts"}` (`id` is null for chats sent without one). Reading tolerates
 * what a crash leaves behind: a torn last line, and (defensively) junk or out-of-order lines.
 */
export interface JournalEntry {
  readonly seq: number;
  readonly id: string | null;
  readonly from: string;
  readonly text: string;
  readonly ts: number;
}

export function formatJournalLine(entry: JournalEntry): string {
  const { seq, id, from, text, ts } = entry;
  return `${JSON.stringify({ seq, id, from, text, ts })}\n`;
}

export interface JournalTail {
  /** Valid entries, strictly increasing in seq. */
  readonly entries: readonly JournalEntry[];
  /** Bytes after the last newline that do not form an entry: a write cut short. Remove them. */
  readonly tornBytes: number;
  /** The last line is a whole entry that only lacks its newline: add one before appending. */
  readonly missingNewline: boolean;
  /** Complete lines that were not entries (skipped). */
  readonly skippedLines: number;
}

const NEWLINE = 0x0a;

/**
 * Parses the end of a journal. `fromFileStart` is false when `chunk` starts somewhere inside the
 * file; everything up to its first newline is then a fragment of an earlier line and is dropped.
 */
export function parseJournalTail(chunk: Buffer, fromFileStart: boolean): JournalTail {
  const firstBreak = fromFileStart ? -1 : chunk.indexOf(NEWLINE);
  const body = fromFileStart ? chunk : firstBreak === -1 ? chunk.subarray(chunk.length) : chunk.subarray(firstBreak + 1);
  const lastBreak = body.lastIndexOf(NEWLINE);
  const complete = body.subarray(0, lastBreak + 1).toString('utf8').split('\n');
  const rest = body.subarray(lastBreak + 1);
  const entries: JournalEntry[] = [];
  let skippedLines = 0;
  const take = (line: string): boolean => {
    const entry = parseEntry(line);
    const last = entries.at(-1);
    if (entry === null || (last !== undefined && entry.seq <= last.seq)) return false;
    entries.push(entry);
    return true;
  };
  for (const line of complete) {
    if (line.trim() !== '' && !take(line)) skippedLines++;
  }
  // A prefix of a JSON object never parses as one, so a tail that parses is a whole entry.
  const restIsEntry = rest.length > 0 && take(rest.toString('utf8'));
  return {
    entries,
    tornBytes: rest.length > 0 && !restIsEntry ? rest.length : 0,
    missingNewline: restIsEntry,
    skippedLines,
  };
}

function parseEntry(line: string): JournalEntry | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { seq, id, from, text, ts } = value as Record<string, unknown>;
  const ok =
    typeof seq === 'number' &&
    Number.isSafeInteger(seq) &&
    seq >= 1 &&
    (id === null || typeof id === 'string') &&
    typeof from === 'string' &&
    typeof text === 'string' &&
    typeof ts === 'number';
  return ok ? { seq, id, from, text, ts } : null;
}
