/**
 * A small canvas that shows RGBA pixels scaled up without smoothing, with an optional hover read-out.
 */
import { memo, useEffect, useRef } from 'react';

interface Props {
  rgba: Uint8ClampedArray;
  width: number;
  height: number;
  scale?: number;
  label: string;
  testId?: string;
  onHover?: (x: number, y: number) => void;
  onLeave?: () => void;
  onClick?: () => void;
  selected?: boolean;
}

function PixelCanvasImpl({
  rgba,
  width,
  height,
  scale = 3,
  label,
  testId,
  onHover,
  onLeave,
  onClick,
  selected,
}: Props) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    ctx.putImageData(new ImageData(new Uint8ClampedArray(rgba), width, height), 0, 0);
  }, [rgba, width, height]);
  return (
    <canvas
      ref={ref}
      width={width}
      height={height}
      role="img"
      aria-label={label}
      data-testid={testId}
      className={`pixels${onClick ? ' clickable' : ''}${selected ? ' selected' : ''}`}
      style={{ width: width * scale, height: height * scale }}
      onMouseMove={(e) => {
        if (!onHover) return;
        const r = e.currentTarget.getBoundingClientRect();
        const x = Math.floor(((e.clientX - r.left) / r.width) * width);
        const y = Math.floor(((e.clientY - r.top) / r.height) * height);
        onHover(Math.min(width - 1, Math.max(0, x)), Math.min(height - 1, Math.max(0, y)));
      }}
      onMouseLeave={onLeave}
      onClick={onClick}
    />
  );
}

/** Memoised: repaints (through its ref) only when its pixels change. */
export const PixelCanvas = memo(PixelCanvasImpl);
