/**
 * Single-kernel calls for the fused training path (`fused.ts`, `flat.ts`).
 *
 * Several TF.js ops add bookkeeping kernels around the one that does the work: `tf.batchNorm`
 * reshapes its result, `tf.matMul` reshapes both operands to rank 3 and the result back. In a step
 * of a few hundred kernels those add up, so the hot path calls the registered kernels directly
 * through the public `tf.engine().runKernel` with operands already in the kernel's layout.
 * Outside a gradient tape (inside a custom-gradient op, or in its gradient) that is all they do.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { activeFusedGraph } from './engine';

export type { FusedGraph } from './engine';

/**
 * One `FusedBatchNorm` kernel: (x − mean)·scale·rsqrt(variance + ε) + offset, every vector
 * broadcast along the last axis.
 * @param x `[B, H, W, C]`; @param mean `[C]`; @param variance `[C]`; @param offset `[C]` or none;
 * @param scale `[C]` or none
 */
export function fusedBatchNorm(
  x: tf.Tensor4D,
  mean: tf.Tensor1D,
  variance: tf.Tensor1D,
  offset: tf.Tensor1D | undefined,
  scale: tf.Tensor1D | undefined,
  epsilon: number,
): tf.Tensor4D {
  const inputs: tf.NamedTensorMap = { x, mean, variance };
  if (offset) inputs.offset = offset;
  if (scale) inputs.scale = scale;
  return tf.engine().runKernel('FusedBatchNorm', inputs, { varianceEpsilon: epsilon }) as tf.Tensor4D;
}

/**
 * 1/√(σ² + ε) element-wise as ONE kernel (`FusedBatchNorm` of ones, mean 0, variance σ²) instead of
 * an add and an rsqrt. Every backend's kernel accepts operands of one shape (no broadcasting needed).
 * @param variance any shape (small: per-channel statistics)
 */
export function rsqrtEps(variance: tf.Tensor, epsilon: number): tf.Tensor {
  const x = tf.ones(variance.shape); // constants: uploads, no kernels
  const mean = tf.zeros(variance.shape);
  return tf
    .engine()
    .runKernel('FusedBatchNorm', { x, mean, variance }, { varianceEpsilon: epsilon }) as tf.Tensor;
}

/**
 * One `BatchMatMul` kernel on rank-3 operands: `[G, n, k] × [G, k, m]` (with optional transposes)
 * → `[G, n, m]`; a batch of 1 broadcasts.
 */
export function batchMatMul(
  a: tf.Tensor3D,
  b: tf.Tensor3D,
  transposeA = false,
  transposeB = false,
): tf.Tensor3D {
  return tf.engine().runKernel('BatchMatMul', { a, b }, { transposeA, transposeB }) as tf.Tensor3D;
}

type Shape4 = [number, number, number, number];

/** One native convolution-gradient kernel, NHWC, square stride. */
function convGradKernel(
  name: 'Conv2DBackpropFilter' | 'Conv2DBackpropInput',
  inputs: tf.NamedTensorMap,
  stride: number,
  pad: 'same' | 'valid',
  shape: { filterShape: Shape4 } | { inputShape: Shape4 },
): tf.Tensor4D {
  const attrs = { strides: [stride, stride], pad, dataFormat: 'NHWC', ...shape };
  return tf.engine().runKernel(name, inputs, attrs) as tf.Tensor4D;
}

/**
 * One native `Conv2DBackpropFilter` kernel (webgl, webgpu, cpu; wasm has none).
 * @param x `[B, H, W, Ci]`; @param dy `[B, Ho, Wo, Co]`
 * @returns dW `[kh, kw, Ci, Co]`
 */
export function conv2dBackpropFilter(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: Shape4,
  stride: number,
  pad: 'same' | 'valid',
): tf.Tensor4D {
  return convGradKernel('Conv2DBackpropFilter', { x, dy }, stride, pad, { filterShape });
}

/**
 * One native `Conv2DBackpropInput` kernel.
 * @param dy `[B, Ho, Wo, Co]`; @param w `[kh, kw, Ci, Co]`
 * @returns dx `[B, H, W, Ci]`
 */
export function conv2dBackpropInput(
  dy: tf.Tensor4D,
  w: tf.Tensor4D,
  inputShape: Shape4,
  stride: number,
  pad: 'same' | 'valid',
): tf.Tensor4D {
  return convGradKernel('Conv2DBackpropInput', { dy, filter: w }, stride, pad, { inputShape });
}

/** True while TF.js records a gradient tape (inside `tf.grad`/`variableGrads`, not inside a kernel). */
export function isTaping(): boolean {
  const s = tf.engine().state;
  return s.gradientDepth > 0 && s.kernelDepth === 0;
}

/**
 * A per-channel affine map with activation as ONE fused 1×1 depthwise convolution:
 * act(x·scale + bias). On wasm this is an XNNPACK kernel about 15× faster than `FusedBatchNorm` or a
 * broadcasting multiply-add.
 * @param x `[B, H, W, C]`; @param scale `[C]` or as a filter `[1, 1, C, 1]`; @param bias `[C]`
 */
export function depthwise1x1(
  x: tf.Tensor4D,
  scale: tf.Tensor1D | tf.Tensor4D,
  bias: tf.Tensor1D | undefined,
  activation: 'relu' | 'linear',
): tf.Tensor4D {
  const C = x.shape[3];
  const filter = scale.rank === 4 ? scale : tf.reshape(scale, [1, 1, C, 1]);
  const inputs: tf.NamedTensorMap = { x, filter };
  if (bias) inputs.bias = bias;
  return tf.engine().runKernel('FusedDepthwiseConv2D', inputs, {
    strides: [1, 1],
    pad: 'valid',
    dataFormat: 'NHWC',
    dilations: [1, 1],
    activation,
  }) as tf.Tensor4D;
}

const WASM_SPLIT = 'SamixSplitVector';
let wasmSplitRegistered = false;

/** wasm kernel: a vector cut into consecutive pieces, each copied once from the heap. */
function wasmSplitVector(args: {
  inputs: tf.NamedTensorInfoMap;
  attrs?: tf.NamedAttrMap;
  backend: unknown;
}): tf.TensorInfo[] {
  const b = args.backend as BackendWasm;
  const x = args.inputs.x!;
  const sizes = args.attrs!.sizes as number[];
  const outs = sizes.map((n) => b.makeOutput([n], x.dtype));
  const src = b.typedArrayFromHeap(x); // after every allocation (growing the heap detaches views)
  let off = 0;
  outs.forEach((o, i) => {
    b.typedArrayFromHeap(o).set(src.subarray(off, off + sizes[i]));
    off += sizes[i];
  });
  return outs;
}

/**
 * A vector cut into consecutive pieces of `sizes`. On wasm outside a gradient tape this is a small
 * custom kernel: the stock `SplitV`/`Slice` kernels copy the WHOLE input once per piece (20 ms to cut
 * the 0.3 M parameters of ResNet-mini into its 38 tensors; this takes 0.3 ms). Elsewhere `tf.split`.
 */
export function splitVector(x: tf.Tensor1D, sizes: number[]): tf.Tensor1D[] {
  if (sizes.length === 1) return [x];
  if (tf.getBackend() !== 'wasm' || isTaping()) return tf.split(x, sizes);
  if (!wasmSplitRegistered) {
    tf.registerKernel({
      kernelName: WASM_SPLIT,
      backendName: 'wasm',
      kernelFunc: wasmSplitVector as tf.KernelFunc,
    });
    wasmSplitRegistered = true;
  }
  return tf.engine().runKernel(WASM_SPLIT, { x }, { sizes }) as unknown as tf.Tensor1D[];
}

/**
 * Rows of `x` (axis 0) in the order `perm`: y[i] = x[perm[i]]. On wasm and cpu as a product with a
 * one-hot matrix in the cpu graph (XNNPACK, about 5× faster than wasm's element-wise `GatherV2`, and exact: every
 * output is 1·x plus zeros); elsewhere one `GatherV2`.
 * @param x `[N, ...]`; @param perm indices into 0..N−1 (any length M)
 * @returns `[M, ...]`
 */
export function gatherRows<T extends tf.Tensor>(x: T, perm: Int32Array): T {
  if (activeFusedGraph() === 'gpu') return tf.gather(x, tf.tensor1d(perm, 'int32')) as T;
  const n = x.shape[0];
  const oneHot = new Float32Array(perm.length * n);
  perm.forEach((j, i) => (oneHot[i * n + j] = 1));
  const rows = batchMatMul(
    tf.tensor3d(oneHot, [1, perm.length, n]),
    tf.reshape(x, [1, n, x.size / n]) as tf.Tensor3D,
  );
  return tf.reshape(rows, [perm.length, ...x.shape.slice(1)]) as T;
}

/**
 * `aᵀ·b` for row-major `a` `[R, m]`, `b` `[R, n]` → `[m, n]` (`flat`: `[m·n]`, the same values). On wasm `BatchMatMul` is fast only
 * untransposed with a batch of one, and a 2-D `Transpose` of `a` is slow too; a rank-3 transpose
 * `[R/k, k, m] → [m, R/k, k]` is fast, so: that, then the plain product. Elsewhere one kernel.
 * @param k a divisor of R (e.g. the h·w of a feature map)
 */
export function matMulTransA(a: tf.Tensor, b: tf.Tensor, k: number, flat = false): tf.Tensor {
  const m = a.shape[a.rank - 1];
  const n = b.shape[b.rank - 1];
  const R = a.size / m; // rows (all leading axes)
  const outShape = flat ? [m * n] : [m, n];
  if (activeFusedGraph() === 'gpu') {
    return reshapeIf(batchMatMul(reshapeIf(a, [1, R, m]), reshapeIf(b, [1, R, n]), true, false), outShape);
  }

  const at = tf.reshape(tf.transpose(tf.reshape(a, [R / k, k, m]), [2, 0, 1]), [1, m, R]) as tf.Tensor3D;
  return tf.reshape(batchMatMul(at, tf.reshape(b, [1, R, n]) as tf.Tensor3D), outShape);
}

/**
 * Means over the rows of G groups: `x` seen as `[G, rows, C]` → `[G, 1, C]`. On wasm and cpu an
 * average pool with a `rows × 1` window (XNNPACK; `Mean` over a middle axis is ~20× slower there),
 * elsewhere one `Mean`.
 */
export function groupRowMean(x: tf.Tensor, groups: number): tf.Tensor3D {
  const C = x.shape[x.rank - 1];
  const rows = x.size / (groups * C);
  if (activeFusedGraph() === 'gpu') return tf.mean(reshapeIf(x, [groups, rows, C]), 1, true) as tf.Tensor3D;
  const pooled = avgPoolValid(tf.reshape(x, [groups, rows, 1, C]) as tf.Tensor4D, [rows, 1]); // [G, 1, 1, C]
  return tf.reshape(pooled, [groups, 1, C]);
}

/** `x` in `shape` (no kernel when it already has it). */
function reshapeIf<R extends tf.Rank>(x: tf.Tensor, shape: number[]): tf.Tensor<R> {
  const same = x.shape.length === shape.length && x.shape.every((v, i) => v === shape[i]);
  return (same ? x : tf.reshape(x, shape as number[] & tf.ShapeMap[R])) as tf.Tensor<R>;
}

/** Sums over every axis but the last → `[C]` (cpu graph: an average pool, see `groupRowMean`). */
export function sumRows(x: tf.Tensor): tf.Tensor1D {
  const C = x.shape[x.rank - 1];
  if (activeFusedGraph() === 'gpu')
    return tf.sum(
      x,
      x.shape.slice(0, -1).map((_, i) => i),
    ) as tf.Tensor1D;
  return tf.reshape(tf.mul(groupRowMean(x, 1), x.size / C), [C]);
}

/**
 * Average pool (NHWC, stride 1, `valid`) as ONE kernel: `tf.avgPool` appends a `Cast` to the input
 * dtype even when nothing changes.
 * @param x `[B, H, W, C]`; @param window `[h, w]`
 */
export function avgPoolValid(x: tf.Tensor4D, window: [number, number]): tf.Tensor4D {
  return tf
    .engine()
    .runKernel('AvgPool', { x }, { filterSize: window, strides: 1, pad: 'valid' }) as tf.Tensor4D;
}
