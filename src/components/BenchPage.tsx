/**
 * `/?bench=webgpu,webgl,wasm,cpu#method=…`: measures the step time of every listed backend (and the
 * methods in `bench_methods`) side by side in this one browser session and shows a table. The
 * headless `npm run bench` drives this page and reads `window.__benchResult`.
 */
import { useEffect, useRef } from 'react';
import {
  BACKEND_NAMES,
  METHOD_NAMES,
  type BackendName,
  type MethodName,
  type RunConfig,
} from '../core/config';
import { useTrainer } from '../hooks/useTrainer';

declare global {
  interface Window {
    __benchResult?: unknown;
    __benchData?: unknown;
  }
}

function parseList<T extends string>(raw: string | null, allowed: readonly T[], fallback: T[]): T[] {
  const items = (raw ?? '').split(',').filter((x): x is T => (allowed as readonly string[]).includes(x));
  return items.length ? items : fallback;
}

export function BenchPage({ config }: { config: RunConfig }) {
  const query = new URLSearchParams(window.location.search);
  const backends = parseList<BackendName>(query.get('bench'), BACKEND_NAMES, ['wasm']);
  const methods = parseList<MethodName>(query.get('bench_methods'), METHOD_NAMES, [config.method]);
  const warmup = Number(query.get('bench_warmup') ?? 2);
  const steps = Number(query.get('bench_steps') ?? 5);
  const data = query.get('bench_data') === '1';
  const trainer = useTrainer(null);
  const started = useRef(false);
  const ready = trainer.backend !== null;
  const { runBench } = trainer;

  useEffect(() => {
    if (!ready || started.current) return;
    started.current = true;
    runBench({ backends, methods, config, warmup, steps, data });
  }, [ready, runBench, backends, methods, config, warmup, steps, data]);

  const bench = trainer.bench;
  useEffect(() => {
    if (!bench?.done) return;
    window.__benchData = bench.data ?? null;
    window.__benchResult = bench.rows;
  }, [bench]);

  return (
    <main className="app">
      <h1>SAMix Playground — backend benchmark</h1>
      <p role="status">
        {bench?.done
          ? 'Done.'
          : `Running ${backends.join(', ')} × ${methods.join(', ')} (batch ${config.batch}, width ${config.width})…`}
      </p>
      <table className="bench">
        <thead>
          <tr>
            <th>backend</th>
            <th>adapter</th>
            <th>method</th>
            <th>first step ms</th>
            <th>median ms</th>
            <th>p10–p90</th>
            <th>tensors</th>
            <th>error</th>
          </tr>
        </thead>
        <tbody>
          {(bench?.rows ?? []).map((r) => (
            <tr key={`${r.backend}-${r.method}`}>
              <td>{r.backend}</td>
              <td>{r.adapter}</td>
              <td>{r.method}</td>
              <td>{r.firstStepMs.toFixed(0)}</td>
              <td>{r.medianMs.toFixed(1)}</td>
              <td>
                {r.p10Ms.toFixed(0)}–{r.p90Ms.toFixed(0)}
              </td>
              <td>
                {r.tensorsAfterWarmup} → {r.tensorsAfterRun}
              </td>
              <td>{r.error}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </main>
  );
}
