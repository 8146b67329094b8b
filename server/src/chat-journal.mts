import { closeSync, fstatSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { formatJournalLine, parseJournalTail, type JournalEntry } from './journal-lines.mjs';
import { PROCESSED_IDS_DEFAULTS } from './processed-ids.mjs';

/** The journal is read backwards at startup in pieces of this size. */
export const JOURNAL_READ_CHUNK_BYTES = 1024 * 1024;

/**
 * How far back startup reads. Not a byte count (issue 11: the last 2 MiB missed a chat re-sent
 * after 2.4 MB of other users' chats): back until it has the replay history *and* every id the
 * duplicate check promises to know — all ids of the last `maxAgeMs`, up to `maxIds` — or the
 * start of the file. Startup time follows the traffic of the last ten minutes, not the file size.
 */
export interface JournalReadOptions {
  /** Entries kept for the replay history (the newest). @default 1000 */
  readonly keepRecent: number;
  /** Ids older than this are not needed (the duplicate window). @default 10 minutes */
  readonly maxAgeMs: number;
  /** Ids beyond this many are not needed (the duplicate memory's total bound). @default 100 000 */
  readonly maxIds: number;
  readonly chunkBytes: number;
  readonly now: () => number;
}

const READ_DEFAULTS: JournalReadOptions = {
  keepRecent: 1000,
  maxAgeMs: PROCESSED_IDS_DEFAULTS.maxAgeMs,
  maxIds: PROCESSED_IDS_DEFAULTS.maxTotal,
  chunkBytes: JOURNAL_READ_CHUNK_BYTES,
  now: Date.now,
};

/** What startup learns from the journal. */
export interface JournalContents {
  /** The newest entries, oldest first: the replay history and the next seq. */
  readonly recent: readonly JournalEntry[];
  /** Entries with an id inside the duplicate window, oldest first. */
  readonly ids: readonly JournalEntry[];
}

/** The journal could not be opened, read or written; `path` says which file. */
export class JournalError extends Error {
  override readonly name = 'JournalError';
  constructor(
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`journal ${path}: ${message}`, options);
  }
}

/**
 * The append-only file of accepted chats. Appends are synchronous `write(2)` calls on a file opened
 * for appending, with no buffer of our own: once `append` returns, the line is in the kernel and
 * survives the process being killed (not a power cut — there is no fsync per chat). That is why the
 * room appends *before* it broadcasts and acknowledges.
 */
export class ChatJournal {
  private fd: number | null;

  private constructor(
    readonly path: string,
    fd: number,
  ) {
    this.fd = fd;
  }

  /**
   * Opens (creating if needed) the journal and reads back as far as {@link JournalReadOptions}
   * says. A torn last line — a write cut short by a crash, never acknowledged — is cut off, so
   * the file stays valid JSON lines.
   */
  static open(path: string, options: Partial<JournalReadOptions> = {}): { journal: ChatJournal } & JournalContents {
    const read = { ...READ_DEFAULTS, ...options };
    let fd: number;
    try {
      fd = openSync(path, 'a+');
    } catch (err) {
      throw new JournalError(path, `cannot open (${codeOf(err)})`, { cause: err });
    }
    try {
      const size = fstatSync(fd).size;
      const { contents, tornBytes, missingNewline } = readBackwards(fd, size, read);
      if (tornBytes > 0) ftruncateSync(fd, size - tornBytes);
      const journal = new ChatJournal(path, fd);
      if (missingNewline) journal.write('\n');
      return { journal, ...contents };
    } catch (err) {
      closeSync(fd);
      throw err instanceof JournalError ? err : new JournalError(path, `cannot read (${codeOf(err)})`, { cause: err });
    }
  }

  append(entry: JournalEntry): void {
    this.write(formatJournalLine(entry));
  }

  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }

  private write(text: string): void {
    if (this.fd === null) throw new JournalError(this.path, 'closed');
    const bytes = Buffer.from(text, 'utf8');
    try {
      let written = 0;
      while (written < bytes.length) written += writeSync(this.fd, bytes, written, bytes.length - written);
    } catch (err) {
      throw new JournalError(this.path, `cannot append (${codeOf(err)})`, { cause: err });
    }
  }
}

/**
 * Reads the file from its end in chunks. Each chunk is parsed together with `carry`, the start of
 * the later chunk up to its first newline (a line that began in this chunk), so every line is
 * whole exactly once. Stops once the history is full and the id window is covered.
 */
function readBackwards(
  fd: number,
  size: number,
  options: JournalReadOptions,
): { contents: JournalContents; tornBytes: number; missingNewline: boolean } {
  const oldestNeededTs = options.now() - options.maxAgeMs;
  const chunks: (readonly JournalEntry[])[] = []; // newest chunk first
  let carry = Buffer.alloc(0);
  let end = size;
  let kept = 0;
  let ids = 0;
  let tornBytes = 0;
  let missingNewline = false;
  while (end > 0) {
    const start = Math.max(0, end - options.chunkBytes);
    const bytes = Buffer.concat([readRange(fd, start, end), carry]);
    const tail = parseJournalTail(bytes, start === 0);
    if (end === size) ({ tornBytes, missingNewline } = tail);
    const firstBreak = bytes.indexOf(0x0a);
    carry = start === 0 ? Buffer.alloc(0) : firstBreak === -1 ? bytes : bytes.subarray(0, firstBreak + 1);
    // Older than the history needs: only ids inside the window are still worth keeping.
    const useful = kept >= options.keepRecent ? tail.entries.filter((e) => e.id !== null && e.ts >= oldestNeededTs) : tail.entries;
    chunks.push(useful);
    kept += useful.length;
    ids += useful.filter((e) => e.id !== null).length;
    end = start;
    const oldest = tail.entries[0];
    const windowCovered = ids >= options.maxIds || (oldest !== undefined && oldest.ts < oldestNeededTs);
    if (kept >= options.keepRecent && windowCovered) break;
  }
  const entries = increasing(chunks.reverse().flat());
  return {
    contents: {
      recent: entries.slice(-options.keepRecent),
      ids: entries.filter((e) => e.id !== null && e.ts >= oldestNeededTs).slice(-options.maxIds),
    },
    tornBytes,
    missingNewline,
  };
}

/** Chunks are each in order; across chunk edges, a line out of order is dropped as within one. */
function increasing(entries: readonly JournalEntry[]): JournalEntry[] {
  const out: JournalEntry[] = [];
  for (const entry of entries) {
    const last = out.at(-1);
    if (last === undefined || entry.seq > last.seq) out.push(entry);
  }
  return out;
}

function readRange(fd: number, start: number, end: number): Buffer {
  const chunk = Buffer.alloc(end - start);
  let read = 0;
  while (read < chunk.length) read += readSync(fd, chunk, read, chunk.length - read, start + read) || fail();
  return chunk;
}

function fail(): never {
  throw new Error('file shrank while reading');
}

function codeOf(err: unknown): string {
  return err instanceof Error && 'code' in err ? String(err.code) : String(err);
}
