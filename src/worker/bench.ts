/**
 * Side-by-side step timing inside the worker: for each backend (activated exactly, no fallback) and
 * each method, a few warm-up steps, then timed steps that each include the GPU work (one readback
 * per step). Feeds `npm run bench`'s browser part and the closing notes' per-backend table.
 */
import type { BenchRequest, BenchRow, Post } from './protocol';
import type { HandlerDeps } from './handlerTypes';
import { DataBench } from './benchData';

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))));
  return sorted[i];
}

export async function runBench(req: BenchRequest, post: Post, deps: HandlerDeps): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const data = await deps.loadDataset(req.config, () => undefined);
  const dataBench = req.data
    ? await DataBench.load(req.config, deps.now, import.meta.env?.BASE_URL ?? '/')
    : null;
  for (const backend of req.backends) {
    let adapter = '';
    let error = '';
    try {
      const info = await deps.selectBackend(backend);
      adapter = info.adapter;
      if (info.active !== backend) error = `could not start: ${info.skipped.map((s) => s.reason).join('; ')}`;
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    for (const method of req.methods) {
      const row: BenchRow = {
        backend,
        adapter,
        method,
        firstStepMs: NaN,
        medianMs: NaN,
        p10Ms: NaN,
        p90Ms: NaN,
        tensorsAfterWarmup: NaN,
        tensorsAfterRun: NaN,
        error,
      };
      if (!error) {
        try {
          const trainer = deps.createTrainer({ ...req.config, method }, data);
          try {
            const timeStep = async (): Promise<number> => {
              const t0 = deps.now();
              await trainer.read([trainer.step('both')]);
              return deps.now() - t0;
            };
            row.firstStepMs = await timeStep();
            for (let i = 1; i < req.warmup; i++) await timeStep();
            row.tensorsAfterWarmup = deps.memory().numTensors;
            const times: number[] = [];
            for (let i = 0; i < req.steps; i++) times.push(await timeStep());
            row.tensorsAfterRun = deps.memory().numTensors;
            times.sort((a, b) => a - b);
            row.medianMs = quantile(times, 0.5);
            row.p10Ms = quantile(times, 0.1);
            row.p90Ms = quantile(times, 0.9);
          } finally {
            trainer.dispose();
          }
        } catch (e) {
          row.error = e instanceof Error ? e.message : String(e);
        }
      }
      rows.push(row);
      post({ type: 'benchRow', row });
    }
    await dataBench?.measureOn(backend, error, {
      batch: req.config.batch,
      width: req.config.width,
      steps: req.steps,
    });
  }
  if (dataBench) post({ type: 'benchData', result: dataBench.result() });
  post({ type: 'benchDone', rows });
  return rows;
}
