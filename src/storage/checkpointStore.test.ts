import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import type { CheckpointData } from '../core/checkpoint';
import { DEFAULT_CONFIG } from '../core/config';
import { KvStore } from './kv';
import { CheckpointStore, MAX_CHECKPOINT_RUNS } from './checkpointStore';

/** A small synthetic checkpoint whose values encode its step. */
function ck(step: number): CheckpointData {
  return {
    config: { ...DEFAULT_CONFIG, batch: 8, width: 4 },
    step,
    epoch: step / 10,
    rng: { words: [1, 2, 3, step], spare: null },
    dataRng: { words: [5, 6, 7, 8], spare: 0.5 },
    data: { order: new Int32Array([3, 1, 2, 0]), cursor: step % 4, samplesSeen: step * 8 },
    tensors: [
      { name: 'q.params', values: new Float32Array(64).fill(step) },
      { name: 'optQ.slot', values: new Float32Array(64).fill(-step) },
    ],
  };
}

async function blobKeys(idb: IDBFactory): Promise<string[]> {
  const kv = await KvStore.open<{ step: number }>('samix-checkpoints', idb);
  const keys = (await kv.list()).map((r) => r.key).sort();
  kv.close();
  return keys;
}

/** Flips one byte of the stored checkpoint `key` (near its end: the weights). */
async function corrupt(idb: IDBFactory, key: string): Promise<void> {
  const kv = await KvStore.open<{ runKey: string; step: number }>('samix-checkpoints', idb);
  const rec = (await kv.get(key))!;
  const bytes = rec.bytes[0].slice();
  bytes[bytes.length - 5] ^= 0xff;
  await kv.put(key, rec.meta, [bytes]);
  kv.close();
}

describe('CheckpointStore', () => {
  it('keeps the latest and the previous checkpoint of a run, and loads the latest', async () => {
    const idb = new IDBFactory();
    const store = await CheckpointStore.open(idb);
    for (const s of [10, 20, 30]) await store.save('run-a', ck(s), false);
    const { checkpoint, note } = await store.load('run-a');
    expect(checkpoint.step).toBe(30);
    expect(checkpoint.tensors[0].values[0]).toBe(30);
    expect(note).toBe('');
    const [run] = await store.runs();
    expect([run.step, run.previousStep, run.finished]).toEqual([30, 20, false]);
    expect((await blobKeys(idb)).map((k) => k.split('#')[0])).toEqual(['run-a@20', 'run-a@30']);
  });

  it('falls back to the previous checkpoint, with a message, when the latest is corrupt', async () => {
    const idb = new IDBFactory();
    const store = await CheckpointStore.open(idb);
    await store.save('run-b', ck(5), false);
    await store.save('run-b', ck(10), true);
    const [run] = await store.runs();
    await corrupt(idb, run.latest);
    const { checkpoint, note } = await store.load('run-b');
    expect(checkpoint.step).toBe(5);
    expect(checkpoint.tensors[1].values[3]).toBe(-5);
    expect(note).toMatch(/checkpoint at step 10 could not be used .*weights checksum does not match.*step 5/);
    await corrupt(idb, run.previous!);
    await expect(store.load('run-b')).rejects.toThrow(
      /no usable checkpoint for run run-b: step 10: .*; step 5: /,
    );
    await expect(store.load('nope')).rejects.toThrow(/no checkpoint is stored for run nope/);
  });

  it('a write that died before the pointer flipped leaves the previous checkpoint in use and is cleaned up', async () => {
    const idb = new IDBFactory();
    const store = await CheckpointStore.open(idb);
    await store.save('run-c', ck(1), false);
    // Simulate a tab killed between "announce" and "flip": the pointer names a pending write.
    const index = await KvStore.open<Record<string, unknown>>('samix-checkpoint-runs', idb);
    const rec = (await index.get('run-c'))!;
    await index.put('run-c', { ...rec.meta, pending: 'run-c@2#dead' }, []);
    const blobs = await KvStore.open<{ runKey: string; step: number }>('samix-checkpoints', idb);
    await blobs.put('run-c@2#dead', { runKey: 'run-c', step: 2 }, [new Uint8Array(7)]);
    expect((await store.load('run-c')).checkpoint.step).toBe(1);
    await store.save('run-c', ck(3), false);
    expect((await blobKeys(idb)).some((k) => k.includes('dead'))).toBe(false);
    expect((await store.load('run-c')).checkpoint.step).toBe(3);
    index.close();
    blobs.close();
  });

  it(`keeps checkpoints of the ${MAX_CHECKPOINT_RUNS} most recent runs only`, async () => {
    const idb = new IDBFactory();
    const store = await CheckpointStore.open(idb);
    for (let r = 0; r < MAX_CHECKPOINT_RUNS + 2; r++) {
      await store.save(`r${r}`, ck(1), false);
      await store.save(`r${r}`, ck(2), false);
      await new Promise((res) => setTimeout(res, 2)); // distinct savedAt
    }
    const runs = await store.runs();
    expect(runs.map((r) => r.runKey)).toEqual(['r4', 'r3', 'r2']);
    expect((await blobKeys(idb)).length).toBe(2 * MAX_CHECKPOINT_RUNS);
    await store.remove('r3');
    expect((await store.runs()).map((r) => r.runKey)).toEqual(['r4', 'r2']);
    await expect(store.load('r0')).rejects.toThrow(/no checkpoint is stored/);
  });
});
