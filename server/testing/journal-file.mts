import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

/** A journal path in a fresh temporary folder, removed when the test ends. */
export async function tempJournal(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ngx-auth-socket-journal-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'journal.jsonl');
}

/** Journal lines for seqs `from..to` (ids `m-<seq>`, from alice), as a crashed server left them. */
export function journalLines(from: number, to: number, text = (seq: number) => `message ${seq}`): string {
  const lines: string[] = [];
  for (let seq = from; seq <= to; seq++) {
    lines.push(`${JSON.stringify({ seq, id: `m-${seq}`, from: 'alice', text: text(seq), ts: Date.now() })}\n`);
  }
  return lines.join('');
}
