/**
 * The worker's message handler: a function of (message, post) with its dependencies injected, so
 * vitest drives it in Node without a Worker (rule R14, docs/architecture.md). It owns one run at a time, runs the
 * training loop with a generation counter (stale loops exit, R12), serialises everything that
 * touches the trainer, batches metrics (one GPU readback per report) and throttles mask probes.
 * This file is the router: it wires the pieces (runState, runStatus, runLoop, runLifecycle,
 * dataMessages, mixerMessages) to the incoming messages.
 */
import { serializeError, assertNever, type Post, type ToWorker } from './protocol';
import { runBench } from './bench';
import { runSelfCheck } from '../core/selfCheck';
import { getBackend } from '@tensorflow/tfjs';
import { runCompareQueue } from './compareQueue';
import { defaultProbePairs } from '../core/probePairs';
import { handleMixerMessage } from './mixerMessages';
import type { HandlerDeps } from './handlerTypes';
import { createRunContext, exclusive } from './runState';
import { backendLost, fail, setStatus } from './runStatus';
import { flush, iterate, probe, runLoop } from './runLoop';
import { disposeRun, openCheckpoint, restoreRun, rollbackRun, startRun } from './runLifecycle';
import { datasetInfo, handleDataMessage, progressFor } from './dataMessages';

export type { DeviceGuard, HandlerDeps, TrainerLike } from './handlerTypes';
export { BATCH_SAMPLES, PROBE_EVERY_MS, PROBE_LAM, PROBE_MIN_MS, REPORT_EVERY_MS } from './runLoop';
export { DivergenceError } from './divergence';

export function createHandler(post: Post, deps: HandlerDeps): (msg: ToWorker) => Promise<void> {
  const c = createRunContext(post, deps);
  const { s } = c;
  const session = Date.now().toString(36);
  deps.device?.onLost((loss) => backendLost(c, loss));

  return async (msg: ToWorker): Promise<void> => {
    switch (msg.type) {
      case 'init': {
        s.testHooks = msg.testHooks ?? false;
        // Exclusive, so a Start sent while the backend is still starting waits for it.
        await exclusive(c, async () => {
          try {
            const info = await deps.selectBackend(msg.forced);
            s.backendName = info.active;
            post({ type: 'backend', info });
          } catch (e) {
            post({ type: 'error', runId: null, error: serializeError(e), fatal: true });
          }
        });
        return;
      }
      case 'start':
        // Without a key, one unique to this worker session (run ids restart at every page load).
        return startRun(c, msg.runId, msg.config, msg.autoRun, msg.key ?? `run-${session}-${msg.runId}`);
      case 'pause': {
        if (msg.runId !== s.runId || (s.status !== 'running' && s.status !== 'loading')) return;
        s.generation++;
        await exclusive(c, async () => {
          try {
            await flush(c);
            if (s.trainer) await s.ckpt.save(s.runId, s.trainer, false);
          } catch (e) {
            return fail(c, e, 'pausing');
          }
          // The masks on screen show the step training paused at.
          await probe(c).catch((e: unknown) => fail(c, e, 'rendering probe masks'));
          setStatus(c, 'paused');
        });
        return;
      }
      case 'resume': {
        // Checks run after earlier commands (e.g. a start still loading its data) have finished.
        const ok = await exclusive(
          c,
          async () => msg.runId === s.runId && !!s.trainer && s.status === 'paused',
        );
        if (ok) void runLoop(c);
        return;
      }
      case 'step': {
        await exclusive(c, async () => {
          if (msg.runId !== s.runId || !s.trainer || s.status === 'running' || s.status === 'done') return;
          try {
            if (await iterate(c, msg.part, true)) setStatus(c, 'paused');
          } catch (e) {
            fail(c, e, `in step ${(s.trainer?.stepCount ?? 0) + 1}`);
          }
        });
        return;
      }
      case 'setLive': {
        await exclusive(c, async () => {
          if (msg.runId !== s.runId || !s.trainer || !s.config) return;
          s.trainer.setLive(msg.patch);
          s.config = { ...s.config, ...msg.patch };
          s.ckpt.noteLive(s.trainer.stepCount, msg.patch);
          post({ type: 'live', runId: s.runId, step: s.trainer.stepCount, patch: msg.patch });
        });
        return;
      }
      case 'probe': {
        await exclusive(c, async () => {
          if (msg.runId !== s.runId || !s.trainer || !s.data) return;
          if (msg.pairs) s.pairs = msg.pairs;
          else if (s.data) s.pairs = defaultProbePairs(s.data, 4, Math.floor(deps.now()));
          try {
            await probe(c);
          } catch (e) {
            fail(c, e, 'rendering probe masks');
          }
        });
        return;
      }
      case 'reset': {
        await exclusive(c, async () => {
          disposeRun(c);
          s.runId = msg.runId;
          setStatus(c, 'idle');
        });
        return;
      }
      case 'selfCheck': {
        await exclusive(c, async () => {
          disposeRun(c);
          setStatus(c, 'idle', 'Checking the backend…');
          const t0 = deps.now();
          try {
            const results = await runSelfCheck({}, (result) => post({ type: 'selfCheckItem', result }));
            post({ type: 'selfCheckDone', backend: getBackend(), results, ms: deps.now() - t0 });
            setStatus(c, 'idle');
          } catch (e) {
            fail(c, e, 'the backend self-check');
          }
        });
        return;
      }
      case 'bench': {
        await exclusive(c, async () => {
          disposeRun(c);
          setStatus(c, 'idle', 'Benchmark running…');
          try {
            await runBench(msg.request, post, deps);
          } catch (e) {
            fail(c, e, 'benchmark');
          }
        });
        return;
      }
      case 'importData':
      case 'listDatasets':
      case 'deleteDataset':
        return handleDataMessage(c, msg);
      case 'compare': {
        await exclusive(c, async () => {
          disposeRun(c);
          s.runId = msg.runId;
          const gen = s.generation;
          setStatus(c, 'running', `Comparing ${msg.entries.length} runs…`);
          try {
            const first = msg.entries[0]?.config;
            if (first && (!s.data || s.data.name !== first.dataset))
              s.data = await deps.loadDataset(first, progressFor(c, 0));
            if (s.data) {
              post({ type: 'dataset', runId: s.runId, info: datasetInfo(s.data) });
              await runCompareQueue(msg.entries, s.data, s.runId, post, deps, () => gen !== s.generation);
            }
            if (gen === s.generation) setStatus(c, 'done', 'Comparison finished.');
          } catch (e) {
            fail(c, e, 'comparison');
          }
        });
        return;
      }
      case 'restore':
        return restoreRun(c, msg.runId, msg.key, msg.autoRun ?? false);
      case 'openCheckpoint':
        return openCheckpoint(c, msg.runId, msg.key, new Uint8Array(msg.checkpoint), msg.autoRun ?? false);
      case 'rollback':
        return rollbackRun(c, msg.runId);
      case 'injectFault':
        if (!s.testHooks) {
          const message = `Fault injection (${msg.kind}) is a test hook and is off: open the page with ?debug to use it.`;
          post({ type: 'error', runId: null, error: { name: 'TestHookOff', message }, fatal: false });
          return;
        }
        // Not exclusive: a fault must land while the loop is stepping.
        deps.device?.inject(msg.kind);
        return;
      case 'exportMixer':
      case 'importMixer':
      case 'listMixers':
      case 'deleteMixer':
      case 'exportWeights':
        await handleMixerMessage(msg, {
          post,
          trainer: () => s.trainer,
          exclusive: (fn) => exclusive(c, fn),
          store: deps.mixers,
          changed: deps.mixersChanged,
        });
        return;
      default:
        assertNever(msg);
    }
  };
}
