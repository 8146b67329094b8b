import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import { JournalError } from '../src/chat-journal.mjs';
import { startServer } from '../src/create-server.mjs';
import { startCliServer } from '../testing/cli-process.mjs';
import { connectWithTicket } from '../testing/connect.mjs';
import { journalLines, tempJournal } from '../testing/journal-file.mjs';
import type { TestSocket } from '../testing/socket-client.mjs';
import { startTestServer } from '../testing/test-server.mjs';

interface Chat {
  type: 'chat';
  seq: number;
  text: string;
  id?: string;
}

const readLines = async (path: string): Promise<Record<string, unknown>[]> =>
  (await readFile(path, 'utf8')).split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);

/** Sends a chat with `id` and returns the seq of its broadcast, checking the ack follows. */
async function chat(socket: TestSocket, text: string, id?: string): Promise<number> {
  socket.send(id === undefined ? { type: 'chat', text } : { type: 'chat', text, id });
  const broadcast = (await socket.next()) as Chat;
  assert.equal(broadcast.text, text);
  if (id !== undefined) assert.deepEqual(await socket.next(), { type: 'ack', id });
  return broadcast.seq;
}

test('every accepted chat is one JSON line in the journal, seq from 1, id or null', async (t) => {
  const journal = await tempJournal(t);
  const server = await startTestServer(t, { journal });
  const socket = await connectWithTicket(server.url);
  const before = Date.now();
  assert.equal(await chat(socket, 'with id', 'm-1'), 1);
  assert.equal(await chat(socket, 'without id'), 2);
  const lines = await readLines(journal);
  assert.deepEqual(lines.map((l) => Object.keys(l)), [['seq', 'id', 'from', 'text', 'ts'], ['seq', 'id', 'from', 'text', 'ts']]);
  assert.deepEqual(lines.map((l) => ({ ...l, ts: 0 })), [
    { seq: 1, id: 'm-1', from: 'alice', text: 'with id', ts: 0 },
    { seq: 2, id: null, from: 'alice', text: 'without id', ts: 0 },
  ]);
  assert.ok((lines[0]?.['ts'] as number) >= before);
});

test('after a restart on the same journal: a re-sent id is only acknowledged, seq continues, resume replays across', async (t) => {
  const journal = await tempJournal(t);
  const first = await startServer({ accessLog: 'off', journal });
  const before = await connectWithTicket(first.url);
  const s1 = await chat(before, 'one', 'a');
  const s2 = await chat(before, 'two', 'b');
  await first.close();

  const second = await startTestServer(t, { journal });
  const after = await connectWithTicket(second.url);
  after.send({ type: 'chat', text: 'two', id: 'b' });
  assert.deepEqual(await after.next(), { type: 'ack', id: 'b' }, 'known from the journal: acknowledged, not broadcast');
  const s3 = await chat(after, 'three', 'c');
  assert.deepEqual([s1, s2, s3], [1, 2, 3]);
  assert.deepEqual([second.stats().chatsAccepted, second.stats().duplicatesDropped], [1, 1]);

  const resumed = await connectWithTicket(second.url, { user: 'bob', resume: s1 });
  const replay = [await resumed.next(), await resumed.next(), await resumed.next()];
  assert.deepEqual(replay.map((m) => (m as Chat).seq), [2, 3, 3]);
  assert.deepEqual(replay.map((m) => (m as Chat).type), ['chat', 'chat', 'resumed']);
  assert.equal((replay[0] as Chat).id, 'b', 'replayed broadcasts keep their id');
  assert.deepEqual((await readLines(journal)).map((l) => l['id']), ['a', 'b', 'c']);
});

test('a chat journaled just before a crash is a duplicate after the restart', async (t) => {
  // What a server killed between the append and the ack leaves behind.
  const journal = await tempJournal(t);
  await writeFile(journal, journalLines(1, 1));
  const server = await startTestServer(t, { journal });
  const socket = await connectWithTicket(server.url);
  socket.send({ type: 'chat', text: 'message 1', id: 'm-1' });
  assert.deepEqual(await socket.next(), { type: 'ack', id: 'm-1' });
  assert.equal(await chat(socket, 'after', 'm-2'), 2);
});

test('a torn last line is ignored and cut off, so the journal stays valid JSON lines', async (t) => {
  const journal = await tempJournal(t);
  await writeFile(journal, `${journalLines(1, 2)}{"seq":3,"id":"m-3","fr`);
  const server = await startTestServer(t, { journal });
  const socket = await connectWithTicket(server.url);
  assert.equal(await chat(socket, 'after the tear', 'm-3'), 3, 'the torn chat was never accepted');
  assert.deepEqual((await readLines(journal)).map((l) => l['seq']), [1, 2, 3]);
});

test('a journal larger than one read chunk: seq continues, the history comes from the tail', async (t) => {
  const journal = await tempJournal(t);
  // ~3 MB: more than the 1 MiB chunk read at a time.
  await writeFile(journal, journalLines(1, 3000, (seq) => `${seq} ${'x'.repeat(1000)}`));
  const server = await startTestServer(t, { journal });
  // The last 1000 (2001..3000) are retained, so 2000 is the oldest point that can be served.
  const socket = await connectWithTicket(server.url, { resume: 2000 });
  assert.equal(((await socket.next()) as Chat).seq, 2001);
  const old = await connectWithTicket(server.url, { resume: 1999 });
  assert.deepEqual(await old.next(), { type: 'resume_failed', seq: 3000 });
  const fresh = await connectWithTicket(server.url, { user: 'bob' });
  assert.equal(await chat(fresh, 'next'), 3001);
});

test('a journal that cannot be opened stops startup with a JournalError', async (t) => {
  const journal = await tempJournal(t);
  await mkdir(journal);
  await assert.rejects(startServer({ accessLog: 'off', journal }), (err: unknown) => {
    assert.ok(err instanceof JournalError);
    assert.equal(err.path, journal);
    return true;
  });
});

test('SIGKILL: the real process restarted on its journal knows what it had acknowledged', async (t) => {
  const journal = await tempJournal(t);
  const secret = 'journal-spec-secret-0123456789abcdef';
  const first = await startCliServer(t, { JOURNAL: journal, JWT_SECRET: secret });
  const socket = await connectWithTicket(first.url);
  assert.equal(await chat(socket, 'survives', 'k-1'), 1);
  const killed = once(first.child, 'exit');
  first.child.kill('SIGKILL');
  await killed;

  const second = await startCliServer(t, { JOURNAL: journal, JWT_SECRET: secret });
  const again = await connectWithTicket(second.url);
  again.send({ type: 'chat', text: 'survives', id: 'k-1' });
  assert.deepEqual(await again.next(), { type: 'ack', id: 'k-1' });
  assert.equal(await chat(again, 'then this', 'k-2'), 2);
  assert.match(second.output.join('\n'), /journal: .*journal\.jsonl/);
});
