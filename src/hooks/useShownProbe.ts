/**
 * Which probe the mask gallery and the diagnostics show: the timeline frame the user picked, the
 * last frame of a saved run being viewed, or the live probe.
 */
import { useMemo } from 'react';
import type { ProbeResult } from '../core/trainerTypes';
import { frameToProbe, type MaskFrame } from '../export/maskHistory';

export interface ShownProbe {
  /** The picked timeline frame, if any. */
  frame: MaskFrame | undefined;
  probe: ProbeResult | null;
  size: { width: number; height: number } | null;
  lams: number[];
}

/** `history`: a saved run is viewed, so its last frame stands in for the live probe. */
export function useShownProbe(
  frames: MaskFrame[],
  images: Map<string, ProbeResult>,
  frameIdx: number | null,
  history: boolean,
  liveProbe: ProbeResult | null,
): ShownProbe {
  const frame = frameIdx !== null ? frames[frameIdx] : undefined;
  const frameImages = frame ? images.get(frame.pairKey) : undefined;
  const lastFrame = frames[frames.length - 1];
  const lastImages = history && lastFrame ? images.get(lastFrame.pairKey) : undefined;
  const probe = useMemo(
    () =>
      frame && frameImages
        ? frameToProbe(frame, frameImages)
        : lastFrame && lastImages
          ? frameToProbe(lastFrame, lastImages)
          : liveProbe,
    [frame, frameImages, lastFrame, lastImages, liveProbe],
  );
  // The same object while the probe's size stays, so what depends on it (the mask statistics plot)
  // does not redraw in the task of each probe message.
  const width = probe?.width;
  const height = probe?.height;
  const size = useMemo(
    () => (width !== undefined && height !== undefined ? { width, height } : null),
    [width, height],
  );
  const lams = useMemo(() => (probe ? probe.pairs.map((p) => p.lam) : []), [probe]);
  return { frame, probe, size, lams };
}
