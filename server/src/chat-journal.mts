import { closeSync, fstatSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { formatJournalLine, parseJournalTail, type JournalEntry } from './journal-lines.mjs';

/**
 * Only this much of the end of the journal is read at startup: enough for the replay history and
 * the recent ids, and startup stays fast however long the file has grown.
 */
export const JOURNAL_TAIL_BYTES = 2 * 1024 * 1024;

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
   * Opens (creating if needed) the journal and reads its tail. A torn last line — a write cut short
   * by a crash, never acknowledged — is cut off, so the file stays valid JSON lines.
   */
  static open(path: string, tailBytes = JOURNAL_TAIL_BYTES): { journal: ChatJournal; recent: readonly JournalEntry[] } {
    let fd: number;
    try {
      fd = openSync(path, 'a+');
    } catch (err) {
      throw new JournalError(path, `cannot open (${codeOf(err)})`, { cause: err });
    }
    try {
      const size = fstatSync(fd).size;
      // One byte before the window tells whether the window starts on a line boundary.
      const start = Math.max(0, size - tailBytes - 1);
      const chunk = Buffer.alloc(size - start);
      let read = 0;
      while (read < chunk.length) read += readSync(fd, chunk, read, chunk.length - read, start + read) || fail();
      const tail = parseJournalTail(chunk, start === 0);
      if (tail.tornBytes > 0) ftruncateSync(fd, size - tail.tornBytes);
      const journal = new ChatJournal(path, fd);
      if (tail.missingNewline) journal.write('\n');
      return { journal, recent: tail.entries };
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

function fail(): never {
  throw new Error('file shrank while reading');
}

function codeOf(err: unknown): string {
  return err instanceof Error && 'code' in err ? String(err.code) : String(err);
}
