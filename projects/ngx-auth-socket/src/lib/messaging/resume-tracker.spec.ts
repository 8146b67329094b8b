import { ResumeTracker } from './resume-tracker';

describe('ResumeTracker', () => {
  it('presents nothing until a seq was seen, then the highest one', () => {
    const t = new ResumeTracker();
    expect(t.point).toBeUndefined();
    t.accept({ type: 'chat', seq: 3 });
    t.accept({ type: 'chat', seq: 4 });
    expect(t.point).toBe(4);
  });

  it('drops replayed duplicates and keeps messages without seq', () => {
    const t = new ResumeTracker();
    expect(t.accept({ type: 'chat', seq: 5 })).toBeTrue();
    expect(t.accept({ type: 'chat', seq: 5 })).toBeFalse();
    expect(t.accept({ type: 'chat', seq: 2 })).toBeFalse();
    expect(t.accept({ type: 'presence' })).toBeTrue();
    expect(t.accept({ type: 'chat', seq: 6 })).toBeTrue();
  });

  it('consumes resumed; turns resume_failed into a resync event and continues from the server seq', () => {
    const t = new ResumeTracker();
    t.accept({ type: 'chat', seq: 10 });
    expect(t.answer({ type: 'resumed', seq: 12 })).toEqual({ consumed: true });
    expect(t.answer({ type: 'resume_failed', seq: 500 })).toEqual({
      consumed: true,
      resync: { lastSeq: 10, serverSeq: 500 },
    });
    expect(t.point).toBe(500);
    expect(t.answer({ type: 'chat' })).toEqual({ consumed: false });
  });

  it('continues from a seq seen elsewhere (a tab taking over the shared socket)', () => {
    const t = new ResumeTracker();
    t.startFrom(41);
    expect(t.point).toBe(41);
    expect(t.accept({ type: 'chat', seq: 41 })).toBeFalse();
    expect(t.accept({ type: 'chat', seq: 42 })).toBeTrue();
    t.startFrom(10);
    expect(t.point).toBe(42);
  });
});
