/**
 * The ten outlines of the `shapes` dataset as point-in-shape tests in object coordinates (u, v),
 * object radius ≈ 1, v pointing down: implicit curves (circle, ring, crescent, heart) and
 * half-plane / even-odd polygon tests (square, triangle, star, cross, arrow, bowtie). The
 * rasteriser in `shapes.ts` calls {@link insideShape} on 2×2 sub-samples per pixel. Pure TS.
 */

/** Class names of `shapes`, indexed by label. */
export const SHAPE_CLASSES = [
  'circle',
  'square',
  'triangle',
  'star',
  'cross',
  'ring',
  'crescent',
  'heart',
  'arrow',
  'bowtie',
] as const;

const SQRT3_2 = Math.sqrt(3) / 2;

function regularStar(points: number, outer: number, inner: number): Float64Array {
  const n = points * 2;
  const p = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) {
    const a = -Math.PI / 2 + (i * Math.PI) / points;
    const r = i % 2 === 0 ? outer : inner;
    p[2 * i] = r * Math.cos(a);
    p[2 * i + 1] = r * Math.sin(a);
  }
  return p;
}

const STAR = regularStar(5, 1.0, 0.42);
/** Equilateral triangle, centroid at the origin, slightly enlarged so its area is comparable. */
const TRIANGLE = new Float64Array([0, -1.05, 1.05 * SQRT3_2, 0.525, -1.05 * SQRT3_2, 0.525]);

/** Even-odd point-in-polygon test on a flat [x0, y0, x1, y1, …] vertex list. */
function inPolygon(poly: Float64Array, u: number, v: number): boolean {
  let inside = false;
  const n = poly.length / 2;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const xi = poly[2 * i];
    const yi = poly[2 * i + 1];
    const xj = poly[2 * j];
    const yj = poly[2 * j + 1];
    if (yi > v !== yj > v && u < ((xj - xi) * (v - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Whether object-space point (u, v) lies inside the outline of class `cls` (see {@link SHAPE_CLASSES}). */
export function insideShape(cls: number, u: number, v: number): boolean {
  switch (cls) {
    case 0: // circle
      return u * u + v * v <= 0.81;
    case 1: // square
      return Math.abs(u) <= 0.72 && Math.abs(v) <= 0.72;
    case 2: // triangle
      return inPolygon(TRIANGLE, u, v);
    case 3: // star
      return inPolygon(STAR, u, v);
    case 4: {
      // cross (plus sign)
      const au = Math.abs(u);
      const av = Math.abs(v);
      return (au <= 0.3 && av <= 0.92) || (av <= 0.3 && au <= 0.92);
    }
    case 5: {
      // ring
      const r2 = u * u + v * v;
      return r2 <= 0.85 && r2 >= 0.3;
    }
    case 6: {
      // crescent: a disc minus an offset disc
      const du = u - 0.42;
      return u * u + v * v <= 0.85 && du * du + v * v > 0.5;
    }
    case 7: {
      // heart: (x² + y² − 1)³ − x² y³ ≤ 0, point up in image space is −v
      const x = u * 1.15;
      const y = -v * 1.15 + 0.15;
      const q = x * x + y * y - 1;
      return q * q * q - x * x * y * y * y <= 0;
    }
    case 8: {
      // arrow pointing towards +u
      if (u >= -0.95 && u <= 0.1) return Math.abs(v) <= 0.22;
      if (u > 0.1 && u <= 0.95) return Math.abs(v) <= (0.7 * (0.95 - u)) / 0.85;
      return false;
    }
    case 9: {
      // bowtie: two triangles meeting at their tips
      const au = Math.abs(u);
      return au <= 0.9 && Math.abs(v) <= 0.08 + 0.8 * (au / 0.9);
    }
    default:
      return false;
  }
}
