/**
 * A comparison inside the worker: the entries run one after another through the shared runner,
 * each reporting progress, evaluations and its result; at the end of each run the first probe pair
 * is mixed by that run's method so the page can show the same pair side by side across methods.
 */
import type { CompareEntry } from '../compare/types';
import { runComparison, type TrainerLikeForCompare } from '../compare/runner';
import type { ProbeResult } from '../core/trainerTypes';
import type { ImageDataset } from '../data/types';
import type { HandlerDeps } from './handlerTypes';
import { defaultProbePairs } from '../core/probePairs';
import type { Post } from './protocol';

export async function runCompareQueue(
  entries: CompareEntry[],
  data: ImageDataset,
  runId: number,
  post: Post,
  deps: HandlerDeps,
  shouldStop: () => boolean,
): Promise<void> {
  const pair = defaultProbePairs(data, 1);
  const probes = new Map<number, ProbeResult>();
  let index = -1;
  await runComparison(
    entries,
    {
      createTrainer: (config) => {
        index++;
        const at = index;
        const t = deps.createTrainer(config, data);
        // The runner evaluates once more at the end: take the probe then, before it disposes.
        const wrapped: TrainerLikeForCompare = {
          get stepCount() {
            return t.stepCount;
          },
          step: (part) => t.step(part),
          read: (pending) => t.read(pending),
          evaluate: async () => {
            const e = await t.evaluate();
            if (t.stepCount >= config.steps && pair.length) probes.set(at, await t.probe(pair, 0.5));
            return e;
          },
          dispose: () => t.dispose(),
        };
        return wrapped;
      },
      now: deps.now,
      yieldNow: deps.yieldNow,
      shouldStop,
    },
    {
      onProgress: (i, step, total) => post({ type: 'compareProgress', runId, index: i, step, total }),
      onEval: (i, result) => post({ type: 'compareEval', runId, index: i, result }),
      onResult: (i, result) => {
        const p = probes.get(i);
        post({
          type: 'compareResult',
          runId,
          index: i,
          result,
          probe: p?.pairs[0] ?? null,
          geometry: p ? { width: p.width, height: p.height, channels: p.channels } : null,
        });
      },
    },
    { reportEvery: 10 },
  );
  post({ type: 'compareDone', runId });
}
