// Issue 11, case 8: the journal's duplicate check honours its documented window (10 000 ids per
// user, 10 minutes) whatever the size of the journal, not just its last 2 MiB.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { appendFile, readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { startCliServer } from '../../testing/cli-process.mjs';
import { connectWithTicket } from '../../testing/connect.mjs';
import { tempJournal } from '../../testing/journal-file.mjs';

const SECRET = 'hostile-journal-secret-0123456789abcdef';

test("a chat re-sent after 2.4 MB of other users' chats and a SIGKILL is still a duplicate", { timeout: 30_000 }, async (t) => {
  const journal = await tempJournal(t);
  const first = await startCliServer(t, { JOURNAL: journal, JWT_SECRET: SECRET });
  const alice = await connectWithTicket(first.url);
  alice.send({ type: 'chat', id: 'a-1', text: 'mine' });
  await alice.next();
  await alice.next();
  // Other users' chats, as a busy room would have journaled them in the minutes since.
  const lines: string[] = [];
  let bytes = 0;
  for (let seq = 2; bytes < 2.4 * 1024 * 1024; seq++) {
    const line = `${JSON.stringify({ seq, id: `b-${seq}`, from: 'bob', text: 'y'.repeat(1000), ts: Date.now() })}\n`;
    lines.push(line);
    bytes += line.length;
  }
  await appendFile(journal, lines.join(''));
  const killed = once(first.child, 'exit');
  first.child.kill('SIGKILL');
  await killed;

  const started = performance.now();
  const second = await startCliServer(t, { JOURNAL: journal, JWT_SECRET: SECRET });
  const startMs = performance.now() - started;
  const again = await connectWithTicket(second.url);
  again.send({ type: 'chat', id: 'a-1', text: 'mine' });
  assert.deepEqual(await again.next(), { type: 'ack', id: 'a-1' }, 'acknowledged, not broadcast');
  again.send({ type: 'chat', id: 'a-2', text: 'next' });
  const next = (await again.next()) as { seq: number };
  const ids = (await readFile(journal, 'utf8')).split('\n').filter((l) => l.includes('"a-1"')).length;
  t.diagnostic(`journal of ${((bytes + 100) / 1024 / 1024).toFixed(1)} MB: restart in ${startMs.toFixed(0)} ms, a-1 journaled ${ids} time(s)`);
  assert.equal(ids, 1);
  assert.equal(next.seq, lines.length + 2);
});
