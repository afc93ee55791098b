/**
 * The checks both trainers run before a checkpoint goes into them (`Trainer.restore`,
 * `SslTrainer.restore`): same configuration (live fields, the step budget and `checkpointEvery` may
 * differ), the same tensors in the same order and sizes, and a data order that fits the dataset.
 * Each throws a message naming what differs; none touches a tensor. Pure TypeScript.
 */
import type { CheckpointData } from './checkpoint';
import { LIVE_FIELDS, type RunConfig } from './config';

/** Fields a checkpoint may hold other values of: the live settings, the budget, the save period. */
const FREE_FIELDS = new Set<string>([...LIVE_FIELDS, 'steps', 'checkpointEvery']);

const SCENARIO_LABEL: Record<RunConfig['scenario'], string> = {
  sl: 'a supervised',
  ssl: 'a self-supervised',
};

/** Throws, naming every field that differs, when `saved` is another run's configuration. */
export function checkSameConfig(saved: RunConfig, current: RunConfig): void {
  const keys = Object.keys(current) as Array<keyof RunConfig>;
  const diff = keys.filter((k) => !FREE_FIELDS.has(k) && saved[k] !== current[k]);
  if (diff.length === 0) return;
  // The scenario first: a checkpoint of the other scenario differs in many fields because of it.
  diff.sort((a, b) => Number(b === 'scenario') - Number(a === 'scenario'));
  const lead =
    saved.scenario !== current.scenario
      ? ` (it is ${SCENARIO_LABEL[saved.scenario]} run's; this is ${SCENARIO_LABEL[current.scenario]} run)`
      : '';
  throw new Error(
    `the checkpoint belongs to another configuration${lead}: ${diff
      .map((k) => `${k} is ${JSON.stringify(saved[k])} there, ${JSON.stringify(current[k])} here`)
      .join('; ')}`,
  );
}

/** Throws, listing both, when the checkpoint's tensors are not `specs` (names, order, lengths). */
export function checkTensorSpecs(
  tensors: CheckpointData['tensors'],
  specs: ReadonlyArray<{ name: string; size: number }>,
): void {
  const got = tensors.map((t) => `${t.name}[${t.values.length}]`).join(', ');
  const want = specs.map((e) => `${e.name}[${e.size}]`).join(', ');
  if (got !== want) throw new Error(`the checkpoint holds tensors ${got}; this model needs ${want}`);
}

/** Throws when the saved data order has another length than, or indices outside, `trainCount` images. */
export function checkDataOrder(order: Int32Array, trainCount: number): void {
  const n = trainCount;
  if ((order.length !== 0 && order.length !== n) || order.some((i) => i < 0 || i >= n))
    throw new Error(
      `the checkpoint's data order (${order.length} entries) does not fit this dataset's ${n} training images`,
    );
}

/** All three checks, in the order the trainers ran them. */
export function checkRestorable(
  c: CheckpointData,
  current: RunConfig,
  specs: ReadonlyArray<{ name: string; size: number }>,
  trainCount: number,
): void {
  checkSameConfig(c.config, current);
  checkTensorSpecs(c.tensors, specs);
  checkDataOrder(c.data.order, trainCount);
}
