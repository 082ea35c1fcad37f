import type { LogLine, LogLinesEvent } from '@walboard/shared';
import { describe, expect, it } from 'vitest';
import {
  initialLogState,
  type LogViewState,
  levelTone,
  logReducer,
  MAX_KEPT_LINES,
  shownLines,
  visibleText,
} from './log-state.ts';

const line = (seq: number, text = `line ${seq}`, level: LogLine['level'] = 'LOG'): LogLine => ({
  seq,
  text,
  level,
});
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => line(from + i));
const ev = (lines: LogLine[], dropped = 0, node = 'h1'): LogLinesEvent => ({
  cluster: 'lab',
  node,
  lines,
  dropped,
});
const following = (): LogViewState =>
  logReducer(initialLogState, { type: 'select', cluster: 'lab', node: 'h1' });
const feed = (s: LogViewState, ...events: LogLinesEvent[]) =>
  events.reduce((acc, event) => logReducer(acc, { type: 'lines', event }), s);

describe('logReducer', () => {
  it('appends lines of the followed node in order and ignores other nodes', () => {
    const s = feed(following(), ev(range(1, 3)), ev([line(99)], 0, 'h2'), ev(range(4, 5)));
    expect(s.lines.map((l) => l.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(s.missing).toBe(0);
  });

  it('skips lines already held when a resubscription replays the ring buffer', () => {
    const s = feed(following(), ev(range(1, 10)), ev(range(5, 12)));
    expect(s.lines.map((l) => l.seq)).toEqual(range(1, 12).map((l) => l.seq));
  });

  it('counts a seq jump as missing lines and remembers which ones', () => {
    const s = feed(following(), ev(range(1, 3)), ev([line(8), line(9), line(12)]));
    expect(s.missing).toBe(4 + 2);
    expect(s.lastGap).toEqual({ from: 10, to: 11 });
  });

  it("shows the controller's drop count as sent", () => {
    const s = feed(following(), ev(range(1, 2), 0), ev(range(3, 4), 1234));
    expect(s.dropped).toBe(1234);
  });

  it('keeps at most MAX_KEPT_LINES, the newest', () => {
    const s = feed(following(), ev(range(1, 4000)), ev(range(4001, 8000)));
    expect(s.lines).toHaveLength(MAX_KEPT_LINES);
    expect(s.lines[0]?.seq).toBe(8000 - MAX_KEPT_LINES + 1);
    expect(s.lines.at(-1)?.seq).toBe(8000);
  });

  it('while paused keeps showing the same lines and counts the new ones; follow catches up', () => {
    let s = feed(following(), ev(range(1, 3)));
    s = logReducer(s, { type: 'pause' });
    s = feed(s, ev(range(4, 10)));
    expect(shownLines(s).map((l) => l.seq)).toEqual([1, 2, 3]);
    expect(s.unseen).toBe(7);
    s = logReducer(s, { type: 'follow' });
    expect(shownLines(s).map((l) => l.seq)).toEqual(range(1, 10).map((l) => l.seq));
    expect(s.unseen).toBe(0);
  });

  it('a paused view survives a burst that pushes its lines out of the buffer', () => {
    let s = logReducer(feed(following(), ev(range(1, 3))), { type: 'pause' });
    s = feed(s, ev(range(4, 3 + MAX_KEPT_LINES)));
    expect(shownLines(s).map((l) => l.seq)).toEqual([1, 2, 3]);
    expect(s.unseen).toBe(MAX_KEPT_LINES);
  });

  it('starts over when another node is selected, keeping the filter', () => {
    let s = logReducer(feed(following(), ev(range(1, 3), 5)), { type: 'filter', text: 'err' });
    s = logReducer(s, { type: 'select', cluster: 'lab', node: 'h2' });
    expect(s).toMatchObject({ node: 'h2', lines: [], lastSeq: null, dropped: 0, filter: 'err' });
  });

  it('clears its lines when the seq goes back (the controller restarted) instead of hiding new lines', () => {
    const s = feed(following(), ev(range(500, 510)), ev(range(1, 3)));
    expect(s.lines.map((l) => l.seq)).toEqual([1, 2, 3]);
    expect(s.restarted).toBe(true);
    expect(s.missing).toBe(0);
  });

  it('returns the same state for an event that changes nothing (no re-render)', () => {
    const s = feed(following(), ev(range(1, 3)));
    expect(logReducer(s, { type: 'lines', event: ev(range(1, 3)) })).toBe(s);
  });
});

describe('shownLines', () => {
  it('filters by substring, whatever the case, newest `max` matches', () => {
    const s = feed(
      following(),
      ev([line(1, 'LOG:  ok'), line(2, 'ERROR:  Division by zero'), line(3, 'x division')]),
    );
    expect(shownLines(logReducer(s, { type: 'filter', text: 'DIVISION' })).map((l) => l.seq)).toEqual([2, 3]);
    expect(shownLines(logReducer(s, { type: 'filter', text: 'division' }), 1).map((l) => l.seq)).toEqual([3]);
    expect(shownLines(s, 2).map((l) => l.seq)).toEqual([2, 3]);
  });
});

describe('visibleText and levelTone', () => {
  it('shows ESC and other control characters as visible symbols, and leaves HTML as text', () => {
    expect(visibleText('\u001b[31mred\u001b[0m')).toBe('␛[31mred␛[0m');
    expect(visibleText('a\u0000b\u0007c\u007f\r')).toBe('a␀b␇c␡␍');
    expect(visibleText('<b>bold</b>\tok')).toBe('<b>bold</b>\tok');
  });

  it('highlights LOG neutral, WARNING amber, ERROR/FATAL/PANIC red, the rest muted', () => {
    expect(levelTone('LOG')).toBe('neutral');
    expect(levelTone('WARNING')).toBe('warning');
    expect(['ERROR', 'FATAL', 'PANIC'].map((l) => levelTone(l as LogLine['level']))).toEqual([
      'error',
      'error',
      'error',
    ]);
    expect(levelTone('NOTICE')).toBe('muted');
    expect(levelTone('OTHER')).toBe('muted');
  });
});
