import { ComponentFixture, TestBed } from '@angular/core/testing';
import { AuthTokenStore, withResume } from 'ngx-auth-socket';
import { AuthSocketTestingController } from 'ngx-auth-socket/testing';
import { TEST_JWT as JWT, configureSocketTestBed } from '../testing/socket-test-bed';
import { AuthApi } from './auth-api';
import { Chat } from './chat';

describe('Chat (demo) with ngx-auth-socket/testing', () => {
  let fixture: ComponentFixture<Chat>;
  let socket: AuthSocketTestingController;

  beforeEach(async () => {
    socket = configureSocketTestBed({ delivery: { acks: true } }, withResume());
    TestBed.inject(AuthTokenStore).set(JWT);
    TestBed.inject(AuthApi).user.set('alice');
    fixture = TestBed.createComponent(Chat);
    await fixture.whenStable();
  });

  afterEach(() => socket.verify());

  /** Types `line` into the chat box and presses Send, as a user would; returns the input. */
  const typeAndSend = (line: string) => {
    const root = fixture.nativeElement as HTMLElement;
    const input = root.querySelector<HTMLInputElement>('[data-testid=chat-input]')!;
    input.value = line;
    root.querySelector<HTMLButtonElement>('[data-testid=send]')!.click();
    return input;
  };
  const text = (testId: string) =>
    (fixture.nativeElement as HTMLElement).querySelector(`[data-testid=${testId}]`)?.textContent?.trim() ?? '';

  it('connects with a ticket and shows the lines the server broadcasts', async () => {
    const ticket = socket.expectTicketRequest();
    expect(ticket.request.headers.get('Authorization')).toBe(`Bearer ${JWT}`);
    ticket.grant('tk-1');
    await socket.flush();
    expect(socket.socket.ticket).toBe('tk-1');
    socket.push({ type: 'chat', from: 'bob', text: 'hello alice', ts: 1, seq: 1 });
    await fixture.whenStable();
    expect(text('messages')).toContain('bobhello alice');
    expect(text('state-kind')).toBe('open');
  });

  it('sends what the user typed as a chat frame with an id, and the ack settles it', async () => {
    await socket.open();
    const input = typeAndSend('  hi there ');
    await socket.flush();
    const frame = socket.expectSent<{ type: string; text: string; id: string }>('chat');
    expect(frame.text).toBe('hi there');
    expect(typeof frame.id).toBe('string');
    socket.push({ type: 'ack', id: frame.id });
    await fixture.whenStable();
    expect(input.value).toBe('');
    expect(text('last-error')).toBe('');
  });

  it('shows reconnecting after a drop, and open again after the backoff with a fresh ticket', async () => {
    await socket.open('tk-1');
    socket.drop(1006);
    await socket.flush();
    await fixture.whenStable();
    expect(text('state-kind')).toBe('reconnecting');
    expect(text('state')).toContain('Reconnecting: attempt 2');
    socket.advanceToReconnect();
    await socket.open('tk-2');
    await fixture.whenStable();
    expect(text('state-kind')).toBe('open');
    expect(socket.sockets.map((s) => s.ticket)).toEqual(['tk-1', 'tk-2']);
  });

  it('keeps a line typed during an outage and sends it on the new socket', async () => {
    await socket.open('tk-1');
    socket.drop(1006);
    await socket.flush();
    typeAndSend('sent while away');
    await socket.flush();
    expect(socket.sockets[0].sent).toEqual([]);
    socket.advanceToReconnect();
    await socket.open('tk-2');
    const frame = socket.expectSent<{ text: string; id: string }>('chat');
    expect(frame.text).toBe('sent while away');
    socket.ack(frame.id);
    await fixture.whenStable();
    expect(text('undelivered')).toBe('');
  });

  it('sends a kick when asked, and comes back with a fresh ticket after the server closes with 1012', async () => {
    await socket.open('tk-1');
    (fixture.nativeElement as HTMLElement).querySelector<HTMLButtonElement>('[data-testid=kick]')!.click();
    await socket.flush();
    socket.ack(socket.expectSent<{ id: string }>('kick').id);
    socket.drop(1012, 'kicked');
    await socket.flush();
    await fixture.whenStable();
    expect(text('state-kind')).toBe('reconnecting');
    expect(text('last-error')).toContain('socket-closed');
    socket.advanceToReconnect();
    await socket.open('tk-2');
    await fixture.whenStable();
    expect(text('state-kind')).toBe('open');
  });

  it('tells the user when missed lines could not be replayed after an outage', async () => {
    await socket.open();
    socket.push({ type: 'chat', from: 'bob', text: 'one', ts: 1, seq: 7 });
    socket.drop(1006);
    await socket.flush();
    socket.advanceToReconnect();
    const ticket = socket.expectTicketRequest();
    expect(ticket.request.params.get('resume')).toBe('7');
    ticket.grant();
    await socket.flush();
    socket.push({ type: 'resume_failed', seq: 90 });
    await fixture.whenStable();
    expect(text('resync')).toContain('could not be replayed');
  });

  it('says a line was not delivered when the user logs out before the server acknowledged it', async () => {
    await socket.open();
    typeAndSend('last words');
    await socket.flush();
    socket.expectSent('chat');
    TestBed.inject(AuthApi).logout();
    await fixture.whenStable();
    expect(text('undelivered')).toBe('Not delivered: "last words" (send-cancelled)');
  });
});
