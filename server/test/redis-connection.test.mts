import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { setImmediate as tick } from 'node:timers/promises';
import { test } from 'node:test';
import { whenRedisBack, type ReconnectingPair } from '../src/redis-connection.mjs';

/** A connection as ioredis shows it: a status, 'ready' events, and (the subscriber) ping. */
class FakeConnection extends EventEmitter {
  status = 'ready';
  pings = 0;
  ping(): Promise<'PONG'> {
    this.pings++;
    return Promise.resolve('PONG');
  }
  comeBack(): void {
    this.status = 'ready';
    this.emit('ready');
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await tick();
}

test('whenRedisBack: calls back when the later of the two connections is ready, after a PING on the subscriber', async () => {
  const commands = new FakeConnection();
  const subscriber = new FakeConnection();
  let calls = 0;
  const stop = whenRedisBack({ commands, subscriber } as unknown as ReconnectingPair, () => calls++);
  // Redis restarted: both drop; the subscriber is back first, the commands still reconnecting.
  commands.status = subscriber.status = 'reconnecting';
  subscriber.comeBack();
  await settle();
  assert.equal(calls, 0, 'not with the command connection still down: the repair needs it');
  commands.comeBack();
  await settle();
  assert.deepEqual([calls, subscriber.pings], [1, 1]);
  // The other order.
  commands.status = subscriber.status = 'reconnecting';
  commands.comeBack();
  await settle();
  assert.equal(calls, 1);
  subscriber.comeBack();
  await settle();
  assert.equal(calls, 2);
  stop();
  commands.comeBack();
  await settle();
  assert.equal(calls, 2, 'stopped');
});

test('whenRedisBack: a PING that fails (Redis gone again) still calls back; the reload itself meets the outage', async () => {
  const commands = new FakeConnection();
  const subscriber = new FakeConnection();
  subscriber.ping = () => Promise.reject(new Error('Connection is closed.'));
  let calls = 0;
  whenRedisBack({ commands, subscriber } as unknown as ReconnectingPair, () => calls++);
  subscriber.comeBack();
  await settle();
  assert.equal(calls, 1);
});
