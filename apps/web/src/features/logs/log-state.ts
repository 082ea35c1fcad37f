import type { LogLevel, LogLine, LogLinesEvent } from '@walboard/shared';

/** Lines kept per followed node: a burst can be scrolled back through, memory stays bounded. */
export const MAX_KEPT_LINES = 5000;
/** Matching lines the list works on (the DOM holds only the visible ones). */
export const MAX_SHOWN_LINES = 1000;

/** What the log panel shows for the node it follows. Pure data; changed only by logReducer. */
export interface LogViewState {
  cluster: string | null;
  node: string | null;
  /** Newest last, at most MAX_KEPT_LINES. */
  lines: readonly LogLine[];
  /** Highest seq received; later lines must be above it. */
  lastSeq: number | null;
  /** Lines never received: the sum of the seq jumps since this node was selected. */
  missing: number;
  /** The latest jump, to say which lines are missing. */
  lastGap: { from: number; to: number } | null;
  /** The controller's own count of lines it dropped for this node (bursts). */
  dropped: number;
  /** Paused: the view shows `frozen`, new lines are only counted in `unseen`. */
  frozen: readonly LogLine[] | null;
  unseen: number;
  filter: string;
  /** The controller restarted (seq went back): earlier lines were cleared. */
  restarted: boolean;
}

export type LogAction =
  | { type: 'select'; cluster: string | null; node: string | null }
  | { type: 'lines'; event: LogLinesEvent }
  | { type: 'pause' }
  | { type: 'follow' }
  | { type: 'filter'; text: string };

export const initialLogState: LogViewState = {
  cluster: null,
  node: null,
  lines: [],
  lastSeq: null,
  missing: 0,
  lastGap: null,
  dropped: 0,
  frozen: null,
  unseen: 0,
  filter: '',
  restarted: false,
};

export function logReducer(state: LogViewState, action: LogAction): LogViewState {
  switch (action.type) {
    case 'select':
      if (state.cluster === action.cluster && state.node === action.node) return state;
      // A new node starts from its own history; the filter is the user's and stays.
      return { ...initialLogState, cluster: action.cluster, node: action.node, filter: state.filter };
    case 'lines':
      return addLines(state, action.event);
    case 'pause':
      return state.frozen ? state : { ...state, frozen: state.lines, unseen: 0 };
    case 'follow':
      return state.frozen ? { ...state, frozen: null, unseen: 0 } : state;
    case 'filter':
      return { ...state, filter: action.text };
  }
}

function addLines(state: LogViewState, ev: LogLinesEvent): LogViewState {
  if (ev.cluster !== state.cluster || ev.node !== state.node) return state;
  let base = state;
  const newest = ev.lines.at(-1)?.seq;
  // The controller's newest line is never older than one we saw, unless it restarted and
  // numbers from 1 again: then what we hold no longer lines up with what comes.
  if (newest !== undefined && state.lastSeq !== null && newest < state.lastSeq) {
    base = {
      ...initialLogState,
      cluster: state.cluster,
      node: state.node,
      filter: state.filter,
      restarted: true,
    };
  }
  let { lastSeq, missing, lastGap } = base;
  const fresh: LogLine[] = [];
  for (const line of ev.lines) {
    // A resubscription replays the ring buffer: lines already shown are skipped.
    if (lastSeq !== null && line.seq <= lastSeq) continue;
    if (lastSeq !== null && line.seq > lastSeq + 1) {
      missing += line.seq - lastSeq - 1;
      lastGap = { from: lastSeq + 1, to: line.seq - 1 };
    }
    fresh.push(line);
    lastSeq = line.seq;
  }
  const changed = fresh.length > 0 || ev.dropped !== base.dropped || base !== state;
  if (!changed) return state;
  const all = fresh.length > 0 ? base.lines.concat(fresh) : base.lines;
  return {
    ...base,
    lines: all.length > MAX_KEPT_LINES ? all.slice(all.length - MAX_KEPT_LINES) : all,
    lastSeq,
    missing,
    lastGap,
    dropped: ev.dropped,
    unseen: base.frozen ? base.unseen + fresh.length : 0,
  };
}

/** The lines the list shows: the frozen view when paused, filtered (substring, any case), newest `max`. */
export function shownLines(state: LogViewState, max = MAX_SHOWN_LINES): readonly LogLine[] {
  const source = state.frozen ?? state.lines;
  const needle = state.filter.trim().toLowerCase();
  if (needle === '') return source.length > max ? source.slice(source.length - max) : source;
  const out: LogLine[] = [];
  // From the newest back, so a long history costs only as much as the lines shown.
  for (let i = source.length - 1; i >= 0 && out.length < max; i--) {
    const line = source[i] as LogLine;
    if (line.text.toLowerCase().includes(needle)) out.push(line);
  }
  return out.reverse();
}

/** Level → how it is highlighted: LOG neutral, WARNING amber, ERROR/FATAL/PANIC red, chatter muted. */
export function levelTone(level: LogLevel): 'neutral' | 'warning' | 'error' | 'muted' {
  switch (level) {
    case 'LOG':
      return 'neutral';
    case 'WARNING':
      return 'warning';
    case 'ERROR':
    case 'FATAL':
    case 'PANIC':
      return 'error';
    default:
      return 'muted';
  }
}

/**
 * A log line as text a reader can see: C0 control characters (but tab) and DEL become their Unicode
 * "control picture" (U+2400 block), so ESC shows as ␛ and "\x1b[31m" reads "␛[31m" — visible,
 * never interpreted. HTML needs nothing here: React renders it as a text node.
 */
export function visibleText(text: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) {
      out += text.slice(from, i) + String.fromCharCode(code === 0x7f ? 0x2421 : 0x2400 + code);
      from = i + 1;
    }
  }
  return from === 0 ? text : out + text.slice(from);
}
