/**
 * Keeps expensive panels off the critical path of each worker message: `useThrottled` hands a value
 * on at most every `ms` milliseconds, never in the task of the message that changed it, as a React
 * transition: the redraw is rendered in slices that yield to the browser between them (so a chart
 * with many lines never holds the main thread for long), and a newer value interrupts an older
 * redraw instead of queueing behind it.
 */
import { startTransition, useEffect, useRef, useState } from 'react';

export function useThrottled<T>(value: T, ms: number): T {
  const [shown, setShown] = useState(value);
  const last = useRef(0);
  useEffect(() => {
    if (Object.is(value, shown)) return;
    const wait = Math.max(0, last.current + ms - performance.now());
    const id = setTimeout(() => {
      last.current = performance.now();
      startTransition(() => setShown(() => value));
    }, wait);
    return () => clearTimeout(id);
  }, [value, shown, ms]);
  return shown;
}
