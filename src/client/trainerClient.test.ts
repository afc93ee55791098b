import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_CONFIG, type BackendName, type RunConfig } from '../core/config';
import { clientHarness, type FakeWorker } from '../testing/fakeWorker';
import { point } from '../testing/fixtures';
import type { BackendInfo } from '../worker/protocol';
import { HANG_MS } from './recovery';

/** The trainer client over fake workers: runs, stale messages, the store, and recovery. */
const CFG: RunConfig = { ...DEFAULT_CONFIG, method: 'samix', batch: 8, width: 4, steps: 20 };
const memory = { numTensors: 1, numBytes: 2 };
const info = (active: BackendName): BackendInfo => ({ active, adapter: '', isSoftware: true }) as BackendInfo;

let harnesses: Array<ReturnType<typeof clientHarness>> = [];
function harness(forced: BackendName | null = null) {
  const h = clientHarness(forced);
  harnesses.push(h);
  return h;
}
afterEach(() => {
  for (const h of harnesses) h.client.disconnect();
  harnesses = [];
  vi.useRealTimers();
});

/** A run started on `w` that trained to step 4 with a checkpoint at step 4, still running. */
function running(h: ReturnType<typeof harness>, backend: BackendName = 'wasm') {
  h.worker.emit({ type: 'backend', info: info(backend) });
  h.client.actions.start(CFG, true);
  const { runId, key } = h.worker.last('start');
  const w: FakeWorker = h.worker;
  w.emit({ type: 'dataset', runId, info: { name: 'shapes' } as never });
  w.emit({ type: 'status', runId, status: 'running', step: 0, epoch: 0, note: '' });
  w.emit({ type: 'metrics', runId, points: [1, 2, 3, 4, 5].map(point), memory });
  w.emit({ type: 'checkpoint', runId, key: key!, step: 4, bytes: 10, finished: false });
  return { runId, key: key!, w };
}

describe('the trainer client', () => {
  it('starts one worker on connect with the forced backend, and stops it on disconnect', () => {
    const h = harness('wasm');
    expect(h.workers).toHaveLength(1);
    expect(h.worker.posted.map((m) => m.type)).toEqual(['init', 'listDatasets']);
    expect(h.worker.last('init').forced).toBe('wasm');
    h.client.connect(); // already connected: nothing new
    expect(h.workers).toHaveLength(1);
    h.client.disconnect();
    expect(h.worker.terminated).toBe(true);
    expect(h.view.status).toBe('idle');
  });

  it('begins a run: a new id and key, the state cleared, the start posted; stale messages are dropped', () => {
    const h = harness();
    const seen: number[] = [];
    h.client.watch(() => seen.push(h.view.step));
    const { runId, key, w } = running(h);
    expect(key).toMatch(/^run-[0-9a-z]+-1$/);
    expect(h.view.runId).toBe(runId);
    expect(h.view.runKey).toBe(key);
    expect(h.view.data.metrics.map((m) => m.step)).toEqual([1, 2, 3, 4, 5]);
    expect(seen.at(-1)).toBe(5); // watchers heard every change

    h.client.actions.start({ ...CFG, eta: 2 }, true);
    const next = w.last('start');
    expect(next.runId).toBe(runId + 1);
    expect(next.key).not.toBe(key);
    expect([h.view.step, h.view.data.metrics.length, h.view.checkpoint]).toEqual([0, 0, null]);
    w.emit({ type: 'metrics', runId, points: [point(6)], memory }); // the old run's late words
    expect(h.view.data.metrics).toHaveLength(0);
    w.emit({ type: 'metrics', runId: next.runId, points: [point(1)], memory });
    expect(h.view.data.metrics.map((m) => m.step)).toEqual([1]);
  });

  it('keeps its snapshot while nothing changes, and hands out one slice', () => {
    const h = harness();
    const a = h.client.getSnapshot();
    h.client.actions.pause(); // posts only
    expect(h.client.getSnapshot()).toBe(a);
    h.worker.emit({ type: 'backend', info: info('webgpu') });
    expect(h.client.getSnapshot()).not.toBe(a);
    expect(h.client.select((v) => v.backend?.active)).toBe('webgpu');
    const stop = h.client.watch(() => {
      throw new Error('unsubscribed watchers are not called');
    });
    stop();
    h.worker.emit({ type: 'backend', info: info('wasm') });
  });

  it('refuses an invalid configuration itself: an error, nothing posted, the run kept', () => {
    const h = harness();
    const { w } = running(h);
    const posted = w.posted.length;
    h.client.actions.start({ ...CFG, batch: 0 }, true);
    expect(w.posted).toHaveLength(posted);
    expect(h.view.errors.at(-1)?.name).toBe('ConfigError');
    expect(h.view.data.metrics).toHaveLength(5);
  });

  it('resumes a saved run and opens a shipped one: the history shows at once, the checkpoint goes to the worker', () => {
    const h = harness();
    h.client.actions.resumeRun('run-saved', CFG, { metrics: [point(1), point(2)] }, false);
    expect(h.worker.last('restore')).toMatchObject({ key: 'run-saved', autoRun: false });
    expect(h.view.data.metrics).toHaveLength(2);
    expect(h.view.runKey).toBe('run-saved');
    const bytes = new Uint8Array([1, 2, 3]);
    h.client.actions.openShippedRun(CFG, { metrics: [point(7)] }, bytes, true);
    const open = h.worker.last('openCheckpoint');
    expect(new Uint8Array(open.checkpoint)).toEqual(bytes);
    expect(h.view.data.metrics.map((m) => m.step)).toEqual([7]);
    expect(h.view.runKey).toBe(open.key);
  });

  it('passes every message to subscribers, and a reset or a comparison begins an empty run', () => {
    const h = harness();
    const types: string[] = [];
    const stop = h.client.actions.subscribe((m) => types.push(m.type));
    const { runId } = running(h);
    expect(types).toContain('checkpoint');
    stop();
    h.client.actions.reset();
    expect(h.worker.last('reset').runId).toBe(runId + 1);
    expect([h.view.status, h.view.runConfig, h.view.data.metrics.length]).toEqual(['idle', null, 0]);
    h.client.actions.runCompare([]);
    expect(h.view.compare).toMatchObject({ entries: [], done: false });
    expect(h.worker.last('compare').runId).toBe(runId + 2);
  });
});

describe('recovery', () => {
  it('a crash while training: a new worker on the same backend restores the checkpoint and trains on', () => {
    const h = harness();
    const { runId, key, w } = running(h, 'wasm');
    w.crash('boom');
    expect(w.terminated).toBe(true);
    expect(h.workers).toHaveLength(2);
    const fresh = h.worker;
    expect(fresh.last('init').forced).toBe('wasm'); // one retry on the same backend
    const restore = fresh.last('restore');
    expect(restore).toMatchObject({ key, autoRun: true, runId: runId + 1 });
    expect(h.view.status).toBe('loading');
    w.emit({ type: 'metrics', runId, points: [point(6)], memory }); // the dead worker's last words
    expect(h.view.data.metrics).toHaveLength(5);

    fresh.emit({ type: 'backend', info: info('wasm') });
    fresh.emit({
      type: 'restored',
      runId: restore.runId,
      key,
      step: 4,
      config: CFG,
      reason: 'restore',
      note: '',
    });
    expect(h.view.data.metrics.map((m) => m.step)).toEqual([1, 2, 3, 4]); // cut at the checkpoint
    expect(h.view.step).toBe(4);
    expect(h.view.recovery.message).toBe(
      'The training worker crashed at step 5 (wasm) — continued on wasm from checkpoint at step 4',
    );
  });

  it('a lost WebGPU device moves the run to the next backend', () => {
    const h = harness();
    const { runId, w } = running(h, 'webgpu');
    w.emit({
      type: 'backendLost',
      runId,
      backend: 'webgpu',
      kind: 'deviceLost',
      reason: 'gone',
      step: 5,
      running: true,
    });
    expect(h.worker.last('init').forced).toBe('webgl');
    expect(h.view.recovery.failed).toEqual(['webgpu']);
  });

  it('a restore that fails starts the same configuration again from step 0 under a new key', () => {
    const h = harness();
    const { key, w } = running(h);
    w.crash('boom');
    const fresh = h.worker;
    const { runId } = fresh.last('restore');
    fresh.emit({ type: 'error', runId, error: { name: 'Error', message: 'no checkpoint' }, fatal: true });
    const start = fresh.last('start');
    expect(start).toMatchObject({ config: CFG, autoRun: true, runId: runId + 1 });
    expect(start.key).not.toBe(key);
    expect(h.view.data.metrics).toHaveLength(0);
    expect(h.view.recovery.message).toMatch(/no checkpoint to restore \(no checkpoint\); restarted on/);
  });

  it('a crash with no run: a fresh worker, idle, nothing to restore', () => {
    const h = harness();
    h.worker.emit({ type: 'backend', info: info('wasm') });
    h.worker.crash('boom');
    expect(h.workers).toHaveLength(2);
    expect(h.worker.posted.map((m) => m.type)).toEqual(['init', 'listDatasets']);
    expect(h.view.status).toBe('idle');
    expect(h.view.recovery.message).toMatch(/no run was in progress/);
  });

  it('a worker silent for HANG_MS while training is replaced; one that talks is not', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] });
    const h = harness();
    const { w } = running(h);
    vi.advanceTimersByTime(HANG_MS - 10_000);
    w.emit({ type: 'status', runId: h.view.runId, status: 'running', step: 5, epoch: 0, note: '' });
    vi.advanceTimersByTime(HANG_MS - 10_000);
    expect(h.workers).toHaveLength(1);
    vi.advanceTimersByTime(20_000);
    expect(h.workers).toHaveLength(2);
    expect(h.view.recovery.failure?.kind).toBe('hang');
  });
});
