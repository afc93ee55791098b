/**
 * The handler's dataset side: throttled load progress, the dataset summary posted to the page, and
 * the import / list / delete messages for user datasets.
 */
import type { ImageDataset } from '../data/types';
import { assertNever, serializeError, type ToWorker } from './protocol';
import type { RunContext } from './runState';
import type { Progress } from './userData';

/** Progress callback posting at most every 100 ms (and always the final value). */
export function progressFor(c: RunContext, requestId: number): Progress {
  let last = -Infinity;
  return (phase, loaded, total) => {
    const t = c.deps.now();
    if (t - last < 100 && loaded < total) return;
    last = t;
    c.post({ type: 'dataProgress', requestId, phase, loaded, total });
  };
}

export function datasetInfo(d: ImageDataset) {
  return {
    name: d.name,
    classes: d.classes,
    height: d.height,
    width: d.width,
    channels: d.channels,
    trainCount: d.train.count,
    testCount: d.test.count,
  };
}

type DataMessage = Extract<ToWorker, { type: 'importData' | 'listDatasets' | 'deleteDataset' }>;

export async function handleDataMessage(c: RunContext, msg: DataMessage): Promise<void> {
  const { s, post, deps } = c;
  switch (msg.type) {
    case 'importData': {
      // Not exclusive: a run keeps training while files are read and parsed.
      try {
        const ds = await deps.importData(msg.source, msg.options, progressFor(c, msg.requestId));
        if (s.data && s.data.name === ds.name) s.data = null; // the next start uses the new import
        const count = (labels: Uint8Array) => ds.classes.map((_, k) => labels.filter((l) => l === k).length);
        post({
          type: 'dataImported',
          requestId: msg.requestId,
          info: datasetInfo(ds),
          classCounts: { train: count(ds.train.labels), test: count(ds.test.labels) },
        });
      } catch (e) {
        post({ type: 'dataFailed', requestId: msg.requestId, error: serializeError(e) });
      }
      post({ type: 'datasets', entries: await deps.listDatasets() });
      return;
    }
    case 'listDatasets':
      post({ type: 'datasets', entries: await deps.listDatasets() });
      return;
    case 'deleteDataset':
      await deps.deleteDataset(msg.name);
      if (s.data && s.data.name === msg.name && !s.trainer) s.data = null;
      post({ type: 'datasets', entries: await deps.listDatasets() });
      return;
    default:
      assertNever(msg);
  }
}
