// The example of docs/TESTING.md ("Testing your app"), run as written so the documentation cannot
// drift from the kit. The component stands in for an app's own; keep both in step with the docs.
import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { provideHttpClientTesting } from '@angular/common/http/testing';
import { Component, inject, provideZonelessChangeDetection } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import {
  AuthSocketService,
  AuthTokenStore,
  SocketMessage,
  authTokenInterceptor,
  provideAuthSocket,
} from 'ngx-auth-socket';
import { AuthSocketTestingController, provideAuthSocketTesting } from 'ngx-auth-socket/testing';
import { scan } from 'rxjs';

interface ChatMessage extends SocketMessage {
  type: 'chat';
  from: string;
  text: string;
}

@Component({
  selector: 'app-chat',
  template: `
    <p>Connection: {{ socket.state().kind }}</p>
    @for (m of lines(); track $index) {
      <p>{{ m.from }}: {{ m.text }}</p>
    }
    <button (click)="say('hello')">Say hello</button>
  `,
})
class Chat {
  readonly socket = inject(AuthSocketService);
  // Subscribing connects (when a token is stored).
  readonly lines = toSignal(
    this.socket.on<ChatMessage>('chat').pipe(scan((all, m) => [...all, m], [] as ChatMessage[])),
    {
      initialValue: [],
    },
  );

  say(text: string) {
    this.socket.send({ type: 'chat', text }).subscribe({ error: (e) => console.warn(e.code) });
  }
}

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';

describe('Chat (the docs/TESTING.md example)', () => {
  let fixture: ComponentFixture<Chat>;
  let socket: AuthSocketTestingController;
  const page = () => (fixture.nativeElement as HTMLElement).textContent ?? '';

  beforeEach(async () => {
    TestBed.configureTestingModule({
      providers: [
        provideZonelessChangeDetection(),
        provideHttpClient(withInterceptors([authTokenInterceptor])),
        provideHttpClientTesting(), // ticket requests are answered through it
        provideAuthSocket({ url: 'wss://api.example.com/channel/' }),
        provideAuthSocketTesting(), // after provideAuthSocket
      ],
    });
    socket = TestBed.inject(AuthSocketTestingController);
    TestBed.inject(AuthTokenStore).set(JWT); // signed in
    fixture = TestBed.createComponent(Chat); // it subscribes: the library asks for a ticket
    await fixture.whenStable();
  });

  afterEach(() => socket.verify()); // no ticket request or client frame left unanswered

  it('connects with a ticket and shows what the server pushes', async () => {
    const ticket = socket.expectTicketRequest();
    expect(ticket.request.headers.get('Authorization')).toBe(`Bearer ${JWT}`);
    ticket.grant('tk-1'); // the socket is open when grant() returns
    expect(socket.socket.ticket).toBe('tk-1');

    socket.push({ type: 'chat', from: 'bob', text: 'hello alice' });
    await fixture.whenStable();
    expect(page()).toContain('bob: hello alice');
    expect(page()).toContain('Connection: open');
  });

  it('sends a chat frame when the user clicks', async () => {
    await socket.open(); // grant the ticket, let the socket open
    (fixture.nativeElement as HTMLElement).querySelector('button')!.click();
    expect(socket.expectSent('chat')).toEqual({ type: 'chat', text: 'hello' }); // sent frames are seen at once
  });

  it('shows reconnecting after a drop, and open again with a fresh ticket', async () => {
    await socket.open('tk-1');
    socket.drop(1006); // connection lost
    await fixture.whenStable();
    expect(page()).toContain('Connection: reconnecting');

    socket.advanceToReconnect(); // exactly the backoff delay, no waiting
    socket.expectTicketRequest().grant('tk-2'); // a fresh ticket for every connection
    await fixture.whenStable();
    expect(page()).toContain('Connection: open');
    expect(socket.sockets.map((s) => s.ticket)).toEqual(['tk-1', 'tk-2']);
  });
});

// docs/TESTING.md, "Fake timers": the same component with the runner's fake timers installed.
describe('Chat with jasmine.clock() installed (docs/TESTING.md, "Fake timers")', () => {
  let socket: AuthSocketTestingController;

  beforeEach(() => {
    jasmine.clock().install();
    TestBed.configureTestingModule({
      providers: [
        provideZonelessChangeDetection(),
        provideHttpClient(withInterceptors([authTokenInterceptor])),
        provideHttpClientTesting(),
        provideAuthSocket({ url: 'wss://api.example.com/channel/' }),
        provideAuthSocketTesting(),
      ],
    });
    socket = TestBed.inject(AuthSocketTestingController);
    TestBed.inject(AuthTokenStore).set(JWT);
  });

  afterEach(() => {
    socket.verify();
    jasmine.clock().uninstall();
  });

  it('shows what the server pushes', () => {
    const fixture = TestBed.createComponent(Chat);
    fixture.detectChanges(); // subscribes: the library asks for a ticket
    socket.expectTicketRequest().grant('tk-1');
    socket.push({ type: 'chat', from: 'bob', text: 'hi' });
    fixture.detectChanges();
    expect(fixture.nativeElement.textContent).toContain('bob: hi');
  });
});
