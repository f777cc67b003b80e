/**
 * One EventSource for the whole app over `/api/events`. Views subscribe to feed items; the browser
 * reconnects by itself and sends Last-Event-ID, so the server resumes after the last item seen.
 * Counters on `window.__flywheelLive` let tests and the benchmark check that nothing was dropped.
 */
import { useEffect, useRef, useState } from 'react';
import type { FeedItem } from '../../src/server/types.ts';

type Listener = (item: FeedItem) => void;
export type LiveState = 'connecting' | 'live' | 'reconnecting';

const TOPICS = ['run', 'metrics', 'event', 'journal', 'session', 'finding'] as const;

export interface LiveStats {
  received: number;
  lastId: number;
  byTopic: Record<string, number>;
  metricPoints: Record<string, number>; // runId -> points received
  reconnects: number;
}

const stats: LiveStats = { received: 0, lastId: 0, byTopic: {}, metricPoints: {}, reconnects: 0 };
(window as unknown as { __flywheelLive: LiveStats }).__flywheelLive = stats;

const listeners = new Set<Listener>();
const stateListeners = new Set<(s: LiveState) => void>();
let source: EventSource | undefined;
let state: LiveState = 'connecting';

function setState(s: LiveState) {
  state = s;
  stateListeners.forEach((f) => f(s));
}

function onItem(ev: MessageEvent<string>) {
  const item = JSON.parse(ev.data) as FeedItem;
  if (item.id <= stats.lastId) return; // already seen (never expected: the server resumes after Last-Event-ID)
  stats.lastId = item.id;
  stats.received++;
  stats.byTopic[item.topic] = (stats.byTopic[item.topic] ?? 0) + 1;
  if (item.topic === 'metrics' && item.runId) {
    const pts = (item.payload as { points?: unknown[] })?.points;
    stats.metricPoints[item.runId] =
      (stats.metricPoints[item.runId] ?? 0) + (Array.isArray(pts) ? pts.length : 0);
  }
  listeners.forEach((f) => f(item));
}

function connect() {
  if (source) return;
  source = new EventSource('/api/events', { withCredentials: true });
  source.addEventListener('open', () => setState('live'));
  source.addEventListener('error', () => {
    stats.reconnects++;
    setState('reconnecting');
  });
  for (const t of TOPICS) source.addEventListener(t, onItem as EventListener);
  // The server lost items this page never saw (it lagged past the feed's retention): what the page
  // shows may be stale, so start over from the store.
  source.addEventListener('gap', () => location.reload());
}

export function subscribe(fn: Listener): () => void {
  connect();
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Calls the latest `fn` for every feed item while the component is mounted. */
export function useFeed(fn: Listener): void {
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => subscribe((it) => ref.current(it)), []);
}

export function useLiveState(): LiveState {
  const [s, set] = useState(state);
  useEffect(() => {
    connect();
    stateListeners.add(set);
    return () => {
      stateListeners.delete(set);
    };
  }, []);
  return s;
}

/** Collects keys over `ms` and calls `flush` once with all of them (e.g. run ids to refetch). */
export function useDebouncedSet(flush: (keys: Set<string>) => void, ms: number): (key: string) => void {
  const pending = useRef(new Set<string>());
  const timer = useRef<number | undefined>(undefined);
  const latest = useRef(flush);
  latest.current = flush;
  useEffect(() => () => window.clearTimeout(timer.current), []);
  return (key: string) => {
    pending.current.add(key);
    if (timer.current !== undefined) return;
    timer.current = window.setTimeout(() => {
      timer.current = undefined;
      const keys = pending.current;
      pending.current = new Set();
      latest.current(keys);
    }, ms);
  };
}
