import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { ChatJournal, type JournalReadOptions } from '../src/chat-journal.mjs';
import { formatJournalLine, parseJournalTail, type JournalEntry } from '../src/journal-lines.mjs';
import { tempJournal } from '../testing/journal-file.mjs';

const entry = (seq: number, id: string | null = `m-${seq}`): JournalEntry => ({ seq, id, from: 'alice', text: `t${seq}`, ts: 1000 + seq });
const lines = (...seqs: number[]): string => seqs.map((s) => formatJournalLine(entry(s))).join('');
const parse = (text: string, fromFileStart = true) => parseJournalTail(Buffer.from(text), fromFileStart);

describe('journal lines', () => {
  test('one JSON object per line, in the documented field order', () => {
    assert.equal(formatJournalLine(entry(7, null)), '{"seq":7,"id":null,"from":"alice","text":"t7","ts":1007}\n');
  });

  test('a clean file: every entry, nothing to repair', () => {
    assert.deepEqual(parse(lines(1, 2, 3)), { entries: [entry(1), entry(2), entry(3)], tornBytes: 0, missingNewline: false, skippedLines: 0 });
  });

  test('a torn last line is reported in bytes, to be cut off', () => {
    const torn = '{"seq":3,"id":"m-3","text":"é';
    const tail = parse(lines(1, 2) + torn);
    assert.deepEqual(tail.entries, [entry(1), entry(2)]);
    assert.equal(tail.tornBytes, Buffer.byteLength(torn));
  });

  test('a whole last entry that only lacks its newline is kept', () => {
    const tail = parse(lines(1) + formatJournalLine(entry(2)).trimEnd());
    assert.deepEqual([tail.entries.length, tail.tornBytes, tail.missingNewline], [2, 0, true]);
  });

  test('a chunk from inside the file drops its first, partial line', () => {
    const text = lines(1, 2, 3);
    const tail = parse(text.slice(10), false);
    assert.deepEqual(tail.entries.map((e) => e.seq), [2, 3]);
  });

  test('junk and out-of-order lines are skipped, not fatal', () => {
    const tail = parse(`${lines(1)}not json\n{"seq":"2"}\n${lines(5, 4, 6)}\n`);
    assert.deepEqual(tail.entries.map((e) => e.seq), [1, 5, 6]);
    assert.equal(tail.skippedLines, 3);
  });
});

describe('ChatJournal', () => {
  // Entries of `lines()` carry ts 1000 + seq; the clock below puts "now" right after them.
  const read = (chunkBytes: number, extra: Partial<JournalReadOptions> = {}) => ({
    chunkBytes,
    now: () => 1100,
    maxAgeMs: 50,
    ...extra,
  });

  test('reads backwards in chunks, every line whole exactly once, whatever the chunk size', async (t) => {
    const path = await tempJournal(t);
    await writeFile(path, lines(1, 2, 3, 4, 5, 6, 7));
    for (const chunkBytes of [1, 7, 50, 64, 4096]) {
      const { journal, recent, ids } = ChatJournal.open(path, read(chunkBytes, { maxAgeMs: 1000 }));
      journal.close();
      assert.deepEqual(recent.map((e) => e.seq), [1, 2, 3, 4, 5, 6, 7], `chunk ${chunkBytes}`);
      assert.deepEqual(ids.map((e) => e.seq), [1, 2, 3, 4, 5, 6, 7], `chunk ${chunkBytes}`);
    }
  });

  test('stops once the history is full and the id window (age) is covered', async (t) => {
    const path = await tempJournal(t);
    await writeFile(path, lines(...Array.from({ length: 90 }, (_, i) => i + 1)));
    // now 1100, window 50 ms: ids of seq ≥ 50 are needed; the history wants the newest 3.
    const { journal, recent, ids } = ChatJournal.open(path, read(100, { keepRecent: 3 }));
    journal.close();
    assert.deepEqual(recent.map((e) => e.seq), [88, 89, 90]);
    assert.deepEqual(ids.map((e) => e.seq), Array.from({ length: 41 }, (_, i) => i + 50));
  });

  test('the history wins over the window: old entries are read until it is full', async (t) => {
    const path = await tempJournal(t);
    await writeFile(path, lines(1, 2, 3, 4, 5));
    const { journal, recent, ids } = ChatJournal.open(path, read(10, { keepRecent: 4, now: () => 1_000_000 }));
    journal.close();
    assert.deepEqual(recent.map((e) => e.seq), [2, 3, 4, 5]);
    assert.deepEqual(ids, [], 'all older than the window');
  });

  test('repairs the tail on open, then appends whole lines', async (t) => {
    const path = await tempJournal(t);
    await writeFile(path, `${lines(1)}{"seq":2,"id`);
    const torn = ChatJournal.open(path);
    torn.journal.append(entry(2));
    torn.journal.close();
    assert.equal(await readFile(path, 'utf8'), lines(1, 2));

    await writeFile(path, lines(1).trimEnd());
    const unterminated = ChatJournal.open(path);
    unterminated.journal.append(entry(2));
    unterminated.journal.close();
    assert.equal(await readFile(path, 'utf8'), lines(1, 2));
  });

  test('creates a missing journal', async (t) => {
    const path = await tempJournal(t);
    const { journal, recent } = ChatJournal.open(path);
    journal.close();
    assert.deepEqual(recent, []);
    assert.equal(await readFile(path, 'utf8'), '');
  });
});
