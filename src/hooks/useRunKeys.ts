/**
 * Keyboard shortcuts of the page (outside form fields and buttons): Space starts, pauses or
 * resumes the run; → takes one step while the run is not training.
 */
import { useEffect } from 'react';
import type { TrainerApi } from './useTrainer';

export function useRunKeys(
  trainer: TrainerApi,
  hasRun: boolean,
  startRun: (autoRun: boolean) => void,
  onStep: (part: 'both' | 'mixer' | 'classifier') => void,
): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      const t = e.target as HTMLElement | null;
      if (t && /^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(t.tagName)) return;
      if (e.key === ' ') {
        e.preventDefault();
        if (trainer.status === 'running') trainer.pause();
        else if (trainer.status === 'paused') trainer.resume();
        else if (!hasRun) startRun(true);
      } else if (e.key === 'ArrowRight' && trainer.status !== 'running') onStep('both');
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [trainer, hasRun, startRun, onStep]);
}
