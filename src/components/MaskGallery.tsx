/**
 * The mask gallery: for each probe pair (two test images tracked through training) image A, image
 * B, the mask m (weight of B) as a heatmap with a colour bar and per-pixel read-out, the mixed image,
 * λ asked and λ obtained, the soft-label bar and, on `shapes`, how much of each object survives.
 */
import { memo, useCallback, useMemo, useState } from 'react';
import type { BatchSamples, ProbePair, ProbeResult } from '../core/trainerTypes';
import type { MaskFrame } from '../export/maskHistory';
import { useThrottled } from '../charts/throttle';
import { imageToRgba, maskColor, maskToRgba } from '../ui/pixels';
import { LiveBatch } from './LiveBatch';
import { PixelCanvas } from './PixelCanvas';
import { Timeline } from './Timeline';

interface Props {
  probe: ProbeResult | null;
  classes: string[];
  onRepick: () => void;
  /** True when showing a frame of the history rather than the live masks. */
  isHistory: boolean;
  /** Replaces the probe pairs (clicking two images makes them the first pair). */
  onPairs: (pairs: Array<[number, number]>) => void;
  /** The mask history (timeline) and the selected frame (null = live). */
  frames: MaskFrame[];
  frameIdx: number | null;
  onSelectFrame: (index: number | null) => void;
  /** Mixed images of the last step's batch (live runs only). */
  batch: BatchSamples | null;
}

function pct(v: number): string {
  return Number.isFinite(v) ? `${(v * 100).toFixed(0)}%` : '–';
}

function ColorBar() {
  const stops = Array.from({ length: 11 }, (_, i) => {
    const [r, g, b] = maskColor(i / 10);
    return `rgb(${r},${g},${b}) ${i * 10}%`;
  });
  return (
    <div className="colorbar" aria-label="Mask colour scale: 0 = all A, 1 = all B">
      <span>0 (A)</span>
      <div style={{ background: `linear-gradient(to right, ${stops.join(',')})` }} />
      <span>1 (B)</span>
    </div>
  );
}

interface RowProps {
  pair: ProbePair;
  probe: ProbeResult;
  index: number;
  classes: string[];
  picked: number | null;
  onPick: (testIndex: number) => void;
}

/** One source image of a pair (click: pick it as a probe). */
function SourceFigure(p: {
  which: 'A' | 'B';
  name: string;
  rgba: Uint8ClampedArray;
  width: number;
  height: number;
  selected: boolean;
  onPick(): void;
}) {
  return (
    <figure>
      <PixelCanvas
        rgba={p.rgba}
        width={p.width}
        height={p.height}
        label={`Image ${p.which}: ${p.name}`}
        selected={p.selected}
        onClick={p.onPick}
      />
      <figcaption>
        {p.which} · {p.name}
      </figcaption>
    </figure>
  );
}

const PairRow = memo(function PairRow({ pair, probe, index, classes, picked, onPick }: RowProps) {
  const { width, height, channels } = probe;
  const [hover, setHover] = useState<{ x: number; y: number } | null>(null);
  const imgs = useMemo(
    () => ({
      a: imageToRgba(pair.imageA, width, height, channels),
      b: imageToRgba(pair.imageB, width, height, channels),
      m: maskToRgba(pair.mask, width, height),
      x: imageToRgba(pair.mixed, width, height, channels),
    }),
    [pair, width, height, channels],
  );
  const nameA = classes[pair.labelA] ?? String(pair.labelA);
  const nameB = classes[pair.labelB] ?? String(pair.labelB);
  const readout = hover ? pair.mask[hover.y * width + hover.x] : null;
  return (
    <div className="pair" data-testid={`probe-pair-${index}`}>
      {(
        [
          ['A', nameA, imgs.a, pair.indexA],
          ['B', nameB, imgs.b, pair.indexB],
        ] as const
      ).map(([which, name, rgba, source]) => (
        <SourceFigure
          key={which}
          {...{ which, name, rgba, width, height }}
          selected={picked === source}
          onPick={() => onPick(source)}
        />
      ))}
      <figure>
        <PixelCanvas
          rgba={imgs.m}
          width={width}
          height={height}
          label={`Mask ${index + 1}`}
          testId={`mask-canvas-${index}`}
          onHover={(x, y) => setHover({ x, y })}
          onLeave={() => setHover(null)}
        />
        <figcaption>
          {readout !== null && hover
            ? `m(${hover.x},${hover.y}) = ${readout.toFixed(3)}`
            : 'mask m (weight of B)'}
        </figcaption>
      </figure>
      <figure>
        <PixelCanvas rgba={imgs.x} width={width} height={height} label={`Mixed image ${index + 1}`} />
        <figcaption>mixed</figcaption>
      </figure>
      <div className="pair-stats">
        <div>
          λ asked {pair.lam.toFixed(2)} · got <strong>{pair.lamEff.toFixed(3)}</strong>
        </div>
        <div
          className="label-bar"
          aria-label={`Soft label: ${pct(pair.lamEff)} ${nameA}, ${pct(1 - pair.lamEff)} ${nameB}`}
        >
          <span style={{ width: pct(pair.lamEff) }}>{nameA}</span>
          <span style={{ width: pct(1 - pair.lamEff) }}>{nameB}</span>
        </div>
        {Number.isFinite(pair.objectKeptA) && (
          <div title="Share of each source's object visible in the mixed image (ground-truth masks of shapes)">
            object kept: A {pct(pair.objectKeptA)} · B {pct(pair.objectKeptB)}
          </div>
        )}
      </div>
    </div>
  );
});

function MaskGalleryImpl(props: Props) {
  const { classes, onRepick, isHistory, onPairs } = props;
  // New masks and batch samples are drawn in tasks of their own, apart from the message that brought them.
  // Both in one turn of the page's redraw queue (one redraw, not two).
  const inputs = useMemo(() => ({ probe: props.probe, batch: props.batch }), [props.probe, props.batch]);
  const { probe, batch } = useThrottled(inputs, 0);
  const [picked, setPicked] = useState<number | null>(null);
  // Stable between probes and picks, so the memoised rows do not redraw on other updates.
  const onPick = useCallback(
    (i: number): void => {
      if (!probe) return;
      if (picked === null || picked === i) {
        setPicked(picked === i ? null : i);
        return;
      }
      const rest = probe.pairs.map((p): [number, number] => [p.indexA, p.indexB]).slice(0, -1);
      onPairs([[picked, i], ...rest]);
      setPicked(null);
    },
    [probe, picked, onPairs],
  );
  return (
    <section aria-label="Masks" className="panel masks-panel">
      <header className="panel-head">
        <h2>Masks</h2>
        <span>
          {probe
            ? `probe pairs at step ${probe.step}${isHistory ? ' (history)' : ' (live)'}`
            : 'waiting for the first masks…'}
        </span>
        <button
          type="button"
          className="small"
          onClick={onRepick}
          disabled={!probe}
          title="Draw four new probe pairs from the test split."
        >
          Re-pick pairs
        </button>
      </header>
      <Timeline frames={props.frames} selected={props.frameIdx} onSelect={props.onSelectFrame} />
      <ColorBar />
      <p className="hint">
        {picked === null
          ? 'Click two images (A or B of any pair) to mix them as a new probe pair.'
          : `Image ${picked} picked: click a second image.`}
      </p>
      {probe?.pairs.map((p, i) => (
        <PairRow
          key={`${p.indexA}-${p.indexB}`}
          pair={p}
          probe={probe}
          index={i}
          classes={classes}
          picked={picked}
          onPick={onPick}
        />
      ))}
      <LiveBatch samples={batch} classes={classes} />
    </section>
  );
}

/** Memoised: redraws on new masks, a new history frame or a pick, not on every metrics batch. */
export const MaskGallery = memo(MaskGalleryImpl);
