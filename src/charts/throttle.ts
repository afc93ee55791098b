/**
 * Keeps expensive panels off the critical path of each worker message: `useThrottled` hands a value
 * on at most every `ms` milliseconds, never in the task of the message that changed it, and on an
 * animation frame (so the deferred panels that changed together are laid out and painted together).
 */
import { useEffect, useRef, useState } from 'react';

export function useThrottled<T>(value: T, ms: number): T {
  const [shown, setShown] = useState(value);
  const last = useRef(0);
  useEffect(() => {
    if (Object.is(value, shown)) return;
    const wait = Math.max(0, last.current + ms - performance.now());
    let frame = 0;
    // After the wait, the update lands on the next animation frame, where the other deferred panels'
    // updates land too: one layout and paint for all of them instead of one each.
    const id = setTimeout(() => {
      frame = requestAnimationFrame(() => {
        last.current = performance.now();
        setShown(() => value);
      });
    }, wait);
    return () => {
      clearTimeout(id);
      cancelAnimationFrame(frame);
    };
  }, [value, shown, ms]);
  return shown;
}
