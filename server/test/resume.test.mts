import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import { resumeFromField, resumeFromQuery } from '../src/resume-point.mjs';
import { connectInBand, connectWithTicket } from '../testing/connect.mjs';
import { channelUrl, login, requestJson } from '../testing/http-client.mjs';
import { journalLines, tempJournal } from '../testing/journal-file.mjs';
import { TestSocket } from '../testing/socket-client.mjs';
import { startTestServer } from '../testing/test-server.mjs';

interface Chat {
  type: 'chat';
  seq: number;
  text: string;
}

/** Sends `texts` as alice's chats and returns their seqs, read from her own socket. */
async function chatAll(socket: TestSocket, texts: readonly string[]): Promise<number[]> {
  for (const text of texts) socket.send({ type: 'chat', text });
  const seqs: number[] = [];
  for (const _ of texts) seqs.push(((await socket.next()) as Chat).seq);
  return seqs;
}

const seqsOf = (messages: unknown[]): unknown[] => messages.map((m) => ((m as Chat).type === 'chat' ? (m as Chat).seq : m));

test('resume via the ticket: the socket gets what it missed, in order, then resumed', async (t) => {
  const server = await startTestServer(t);
  const alice = await connectWithTicket(server.url);
  const [s1, s2, s3] = await chatAll(alice, ['one', 'two', 'three']);
  assert.ok(s1 !== undefined && s2 === s1 + 1 && s3 === s2 + 1, 'consecutive seqs');
  const bob = await connectWithTicket(server.url, { user: 'bob', resume: s1 });
  assert.deepEqual(seqsOf([await bob.next(), await bob.next(), await bob.next()]), [s2, s3, { type: 'resumed', seq: s3 }]);
  assert.equal(server.stats().resumes, 1);
});

test('resume via the auth frame: auth_ok, the missed broadcasts, then resumed', async (t) => {
  const server = await startTestServer(t, { tickets: false });
  const alice = await connectInBand(server.url);
  const [s1, s2] = await chatAll(alice, ['one', 'two']);
  const bob = await connectInBand(server.url, { user: 'bob', resume: s1 });
  const replayed = (await bob.next()) as Chat;
  assert.deepEqual([replayed.seq, replayed.text], [s2, 'two']);
  assert.deepEqual(await bob.next(), { type: 'resumed', seq: s2 });
});

test('resume at the latest seq replays nothing and says resumed', async (t) => {
  const server = await startTestServer(t);
  const alice = await connectWithTicket(server.url);
  const [latest] = await chatAll(alice, ['only']);
  const again = await connectWithTicket(server.url, { resume: latest });
  assert.deepEqual(await again.next(), { type: 'resumed', seq: latest });
});

test('resume from before the retained history, or beyond the latest seq, gets resume_failed and no replay', async (t) => {
  const journal = await tempJournal(t);
  await writeFile(journal, journalLines(1, 1500));
  const server = await startTestServer(t, { journal });
  for (const [point, what] of [[100, 'too old'], [499, 'one too old'], [1501, 'ahead']] as const) {
    const socket = await connectWithTicket(server.url, { resume: point });
    assert.deepEqual(await socket.next(), { type: 'resume_failed', seq: 1500 }, what);
    socket.send({ type: 'ping' });
    assert.deepEqual(await socket.next(), { type: 'pong' }, `${what}: nothing was replayed`);
  }
  // The oldest retained is 501, so 500 is the oldest point that can be served: all 1000.
  const socket = await connectWithTicket(server.url, { resume: 500 });
  const replay: unknown[] = [];
  for (let i = 0; i < 1001; i++) replay.push(await socket.next());
  assert.deepEqual(seqsOf(replay.slice(0, 2)), [501, 502]);
  assert.deepEqual(seqsOf(replay.slice(-2)), [1500, { type: 'resumed', seq: 1500 }]);
  assert.deepEqual([server.stats().resumeFailures, server.stats().resumes], [3, 1]);
});

test('without a journal, a resume point from before a restart gets resume_failed', async (t) => {
  const first = await startTestServer(t);
  const [seen] = await chatAll(await connectWithTicket(first.url), ['before the restart']);
  await first.close();
  const second = await startTestServer(t);
  const socket = await connectWithTicket(second.url, { resume: seen });
  const answer = (await socket.next()) as { type: string; seq: number };
  assert.equal(answer.type, 'resume_failed');
  assert.ok(seen !== undefined && answer.seq > seen, 'a new process numbers above the old one');
});

test('broadcasts during a replay are neither lost nor reordered', async (t) => {
  const server = await startTestServer(t);
  const bob = await connectWithTicket(server.url, { user: 'bob' });
  const [start] = await chatAll(bob, ['start']);
  // Keep bob chatting, one frame per event-loop turn, while alice connects and is replayed to.
  let streaming = true;
  let sent = 0;
  const stream = (async () => {
    while (streaming) {
      bob.send({ type: 'chat', text: `live ${++sent}` });
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  const alice = await connectWithTicket(server.url, { resume: start });
  const seen: unknown[] = [];
  const resumedAt = (): number => seen.findIndex((m) => (m as { type: string }).type === 'resumed');
  // Until alice has had the replay and 20 live chats after it.
  while (resumedAt() < 0 || seen.length - resumedAt() <= 20) seen.push(await alice.next());
  streaming = false;
  await stream;
  bob.send({ type: 'chat', text: 'last' });
  for (let m = await alice.next(); (m as Chat).text !== 'last'; m = await alice.next()) seen.push(m);
  const chats = seen.filter((m) => (m as Chat).type === 'chat') as Chat[];
  assert.equal(chats.length, sent, 'every live chat arrived once');
  assert.deepEqual(chats.map((c) => c.seq), chats.map((_, i) => (start ?? 0) + 1 + i), 'contiguous, in order');
  const at = resumedAt();
  const resumed = seen[at] as { seq: number };
  assert.equal(resumed.seq, at === 0 ? start : (seen[at - 1] as Chat).seq, 'resumed marks the end of the replay');
});

test('a malformed resume on the ticket endpoint is 400 bad_request', async (t) => {
  const server = await startTestServer(t);
  const { token } = await login(server.url);
  for (const query of ['resume=-1', 'resume=abc', 'resume=1.5', 'resume=', 'resume=1e3', 'resume=1&resume=2', 'resume=99999999999999999']) {
    const res = await requestJson(`${server.url}/ws_ticket?${query}`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(res.status, 400, query);
    assert.deepEqual(res.body, { error: 'bad_request' }, query);
  }
  assert.equal(server.stats().ticketsIssued, 0);
});

test('a malformed resume in the auth frame gets auth_error bad_resume and close 4001', async (t) => {
  const server = await startTestServer(t);
  const { token } = await login(server.url);
  for (const resume of [-1, 1.5, '3', null]) {
    const socket = await TestSocket.open(channelUrl(server.url));
    socket.send({ type: 'auth', payload: token, resume });
    assert.deepEqual(await socket.next(), { type: 'auth_error', reason: 'bad_resume' }, String(resume));
    assert.deepEqual(await socket.closedWithin(), { code: 4001, reason: 'bad_resume' });
  }
});

test('resume points parse as non-negative safe integers only', () => {
  assert.deepEqual(
    [[], ['0'], ['42'], ['9007199254740991']].map(resumeFromQuery),
    [undefined, 0, 42, 9007199254740991],
  );
  for (const bad of [['-1'], [''], ['+1'], [' 1'], ['0x10'], ['9007199254740992'], ['1', '2']]) {
    assert.equal(resumeFromQuery(bad), 'bad', JSON.stringify(bad));
  }
  assert.deepEqual([undefined, 0, 7].map(resumeFromField), [undefined, 0, 7]);
  for (const bad of [-1, 0.5, NaN, Infinity, 2 ** 53, '1', null, {}]) assert.equal(resumeFromField(bad), 'bad', String(bad));
});
