import { TestBed } from '@angular/core/testing';
import { AuthTokenStore, withChannels } from 'ngx-auth-socket';
import { TEST_JWT, configureSocketTestBed } from '../testing/socket-test-bed';
import { AuthApi } from './auth-api';
import { Rooms } from './rooms';

describe('Rooms (demo) with channels', () => {
  it('joins the shown room, lists who is online, sends in it, and joins the next room when switched', async () => {
    const socket = configureSocketTestBed({}, withChannels());
    TestBed.inject(AuthApi).user.set('alice');
    TestBed.inject(AuthTokenStore).set(TEST_JWT);
    const fixture = TestBed.createComponent(Rooms);
    await fixture.whenStable();
    await socket.open();
    const root = fixture.nativeElement as HTMLElement;
    const text = (id: string) => root.querySelector(`[data-testid=${id}]`)?.textContent?.trim();
    expect(socket.socket.sent).toEqual([{ type: 'join', channel: 'room:lobby' }]);
    socket.socket.push({ type: 'joined', channel: 'room:lobby', seq: 0, presence: ['alice', 'bob'] });
    socket.socket.push({ type: 'chat', channel: 'room:lobby', seq: 1, from: 'bob', text: 'hi' });
    await fixture.whenStable();
    expect(text('room-state')).toBe('joined');
    expect(text('room-online')).toBe('alice, bob');
    expect(text('room-messages')).toContain('hi');

    const input = root.querySelector<HTMLInputElement>('[data-testid=room-input]')!;
    input.value = 'hello lobby';
    root.querySelector<HTMLButtonElement>('[data-testid=room-send]')!.click();
    await socket.flush();
    expect(socket.socket.sent[1]).toEqual({ type: 'chat', text: 'hello lobby', channel: 'room:lobby' });

    const select = root.querySelector<HTMLSelectElement>('[data-testid=room-select]')!;
    select.value = 'private:bob';
    select.dispatchEvent(new Event('change'));
    await fixture.whenStable();
    await socket.flush();
    expect(socket.socket.sent[2]).toEqual({ type: 'join', channel: 'private:bob' });
    socket.socket.push({ type: 'join_refused', channel: 'private:bob', reason: 'forbidden' });
    await fixture.whenStable();
    expect(text('room-state')).toBe('refused (forbidden)');
  });
});
