/**
 * Keeps expensive panels off the critical path of each worker message: `useThrottled` hands a value
 * on at most every `ms` milliseconds, never in the task of the message that changed it, as a React
 * transition (rendered in slices that yield to the browser, and interrupted by a newer value), and
 * one panel at a time: the page's panels take turns through `pageRedraws` (redrawQueue.ts), so two
 * panels' redraws never add up in one task.
 */
import { startTransition, useEffect, useRef, useState } from 'react';
import { pageRedraws, type RedrawQueue } from './redrawQueue';

export function useThrottled<T>(value: T, ms: number, queue: RedrawQueue = pageRedraws): T {
  const [shown, setShown] = useState(value);
  const [key] = useState(() => ({}));
  const latest = useRef(value);
  const shownRef = useRef(shown);
  const last = useRef(0);

  useEffect(() => {
    latest.current = value;
  }, [value]);

  // This panel's redraw with the value it was handed has committed. recharts hands some of its store
  // updates to the next animation frame, so the turn ends after that frame.
  useEffect(() => {
    shownRef.current = shown;
    const frame = requestAnimationFrame(() => queue.done(key));
    return () => cancelAnimationFrame(frame);
  }, [shown, queue, key]);

  useEffect(() => {
    if (Object.is(value, shown)) return;
    const wait = Math.max(0, last.current + ms - performance.now());
    const id = setTimeout(() => {
      queue.request(key, () => {
        last.current = performance.now();
        if (Object.is(latest.current, shownRef.current)) queue.done(key);
        else startTransition(() => setShown(() => latest.current));
      });
    }, wait);
    return () => clearTimeout(id);
  }, [value, shown, ms, queue, key]);

  useEffect(() => () => queue.cancel(key), [queue, key]);
  return shown;
}
