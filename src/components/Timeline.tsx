/**
 * The history timeline: a slider over every logged mask frame (arrow keys step through it), a play
 * button that animates the masks, and "Live" to follow training again. The selected frame's step is
 * the charts' cursor, and hovering a chart selects the nearest frame.
 */
import { memo, useEffect, useState } from 'react';
import type { MaskFrame } from '../export/maskHistory';

interface Props {
  frames: MaskFrame[];
  /** Selected frame index, or null when following the live probe. */
  selected: number | null;
  onSelect: (index: number | null) => void;
}

/** Frames per second of the play animation. */
const PLAY_FPS = 8;

function TimelineImpl({ frames, selected, onSelect }: Props) {
  const [playing, setPlaying] = useState(false);
  const last = frames.length - 1;
  const index = selected ?? last;

  useEffect(() => {
    if (!playing) return;
    const id = setInterval(() => {
      if (index >= last) {
        setPlaying(false);
        onSelect(null);
      } else onSelect(index + 1);
    }, 1000 / PLAY_FPS);
    return () => clearInterval(id);
  }, [playing, index, last, onSelect]);

  const frame = frames[index];
  return (
    <div className="timeline" aria-label="Mask history timeline">
      <button
        type="button"
        className="small"
        onClick={() => {
          if (!playing && index >= last) onSelect(0);
          setPlaying(!playing);
        }}
        disabled={frames.length < 2}
        aria-label={playing ? 'Stop the mask animation' : 'Play the mask history'}
        title={playing ? 'Stop the animation.' : 'Animate the mask history from the start (8 frames/s).'}
      >
        {playing ? '■' : '▶'}
      </button>
      <input
        type="range"
        min={0}
        max={Math.max(0, last)}
        value={Math.max(0, index)}
        disabled={frames.length < 2}
        aria-label="Mask history step"
        title="Scrub through the logged masks (← / → when focused); the charts' cursor follows."
        aria-valuetext={frame ? `step ${frame.step}` : 'no history yet'}
        onChange={(e) => {
          setPlaying(false);
          onSelect(Number(e.target.value));
        }}
      />
      <span data-testid="timeline-step">{frame ? `step ${frame.step}` : '–'}</span>
      <span className="muted">
        {frames.length} frame{frames.length === 1 ? '' : 's'}
      </span>
      <button
        type="button"
        className="small"
        onClick={() => onSelect(null)}
        disabled={selected === null}
        aria-label="Follow live masks"
        title="Show the latest masks again."
      >
        Live
      </button>
    </div>
  );
}

export const Timeline = memo(TimelineImpl);
