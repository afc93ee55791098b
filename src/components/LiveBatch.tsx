/**
 * "Current batch": a few mixed images of the batch the classifier trained on at the last step (the
 * worker keeps the first rows of x_bb on the device and sends them with each probe), with each
 * sample's label weight λ and its two classes.
 */
import { memo, useMemo } from 'react';
import type { BatchSamples } from '../core/trainerTypes';
import { bytesToRgba } from '../ui/pixels';
import { PixelCanvas } from './PixelCanvas';

interface Props {
  samples: BatchSamples | null;
  classes: string[];
}

function LiveBatchImpl({ samples, classes }: Props) {
  const rgba = useMemo(
    () =>
      samples
        ? samples.images.map((im) => bytesToRgba(im, samples.width, samples.height, samples.channels))
        : [],
    [samples],
  );
  const name = (c: number): string => classes[c] ?? String(c);
  return (
    <div className="live-batch" role="group" aria-label="Current batch">
      <h3>
        Current batch{' '}
        <span className="muted">
          {samples
            ? `mixed images the classifier trained on at step ${samples.step}`
            : 'appears after the first step'}
        </span>
      </h3>
      {samples && (
        <div className="live-batch-row">
          {rgba.map((px, i) => {
            const lam = samples.lam[i];
            const a = name(samples.labelA[i]);
            const b = name(samples.labelB[i]);
            const same = samples.labelA[i] === samples.labelB[i];
            return (
              <figure key={i} data-testid={`batch-sample-${i}`}>
                <PixelCanvas
                  rgba={px}
                  width={samples.width}
                  height={samples.height}
                  label={`Batch sample ${i + 1}: ${a}${same ? '' : ` + ${b}`}, λ ${lam.toFixed(2)}`}
                />
                <figcaption>{same ? a : `${a} ${lam.toFixed(2)} · ${b} ${(1 - lam).toFixed(2)}`}</figcaption>
              </figure>
            );
          })}
        </div>
      )}
    </div>
  );
}

/** Memoised: redraws only when a new set of samples arrives. */
export const LiveBatch = memo(LiveBatchImpl);
