/**
 * `npm run bench`: speed and memory figures measured side by side in one run (never as tests).
 *
 *   node part:    every method in one Node process on wasm: median ms/step at the default recipe as a
 *                 ratio to ERM and achieved GFLOP/s; kernels per step (ERM, SAMix, SAMix^P) in
 *                 the wasm graph and in the webgl/webgpu graph; where a SAMix step's time goes;
 *                 tensor count over 500 steps (see benchNode.ts).
 *   browser part: every backend in one headless Chromium session (see benchBrowser.ts), with each
 *                 dataset's load time (cold and from IndexedDB) and batch assembly vs the SAMix step.
 *   data part:    dataset load times in Node and batch assembly vs the SAMix step on wasm (and cpu)
 *                 (benchData.ts; also run by the node part).
 *
 *   soak part:    `--part soak --minutes 30`: tensors, GPU bytes and JS heap of a long SAMix run in
 *                 the built app, sampled every 10 s (benchSoak.ts; own flags).
 *   ui part:      60 s of SAMix in the built app: main-thread long tasks, chart and mask refresh
 *                 rates, bytes/s from the worker, ms/step with the UI open vs hidden (benchUi.ts).
 * Flags: --part node|data|browser|ui|all  --methods a,b  --backends a,b  --batch N  --width N  --steps N
 *        --warmup N  --gpu-graph-batch N (0 = skip the slow webgl/webgpu-graph count)
 *        --leak-steps N (0 = skip)  --json (one JSON document on stdout instead of tables)
 */
import { DEFAULT_CONFIG, type MethodName } from '../core/config';
import { generateShapes } from '../data/shapes';
import { parseArgs } from './benchArgs';
import { runBrowserBench } from './benchBrowser';
import { soakCli } from './benchSoak';
import { table } from './benchTable';
import { runFirstBench } from './benchFirst';
import { runUiBench } from './benchUi';
import { runNodeBench, type KernelCount } from './benchNode';
import { formatSslBench } from './benchSsl';
import { formatSamixpBench } from './benchSamixp';
import { formatDataBench, runNodeDataBench } from './benchData';

const kernelCell = (k: KernelCount | null): string =>
  k ? `${k.kernels} (${k.dispatching} w/o Reshape/Identity)` : 'skipped';

/** The largest kernel groups of a step, e.g. "Multiply 153, Reshape 136, …". */
const topKernels = (k: KernelCount, n = 8): string =>
  Object.entries(k.byKernel)
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, c]) => `${name} ${c}`)
    .join(', ');

async function main(): Promise<void> {
  // `--part soak` has its own flags (--minutes --sample …): see benchSoak.ts.
  const partAt = process.argv.indexOf('--part');
  if (partAt > 1 && process.argv[partAt + 1] === 'soak') return soakCli(process.argv.slice(2));
  const a = parseArgs(process.argv.slice(2));
  const out: Record<string, unknown> = {
    config: { batch: a.batch, width: a.width, steps: a.steps, warmup: a.warmup, defaults: DEFAULT_CONFIG },
  };
  const log = (line: string): void => {
    if (!a.json) process.stderr.write(`${line}\n`);
  };
  if (a.part === 'node' || a.part === 'all') {
    const data = generateShapes();
    const methods: MethodName[] = a.methods.includes('erm') ? a.methods : ['erm', ...a.methods];
    const r = await runNodeBench(
      {
        methods,
        batch: a.batch,
        width: a.width,
        steps: a.steps,
        warmup: a.warmup,
        gpuGraphBatch: a.gpuGraphBatch,
        leakSteps: a.leakSteps,
        log,
      },
      data,
    );
    out.node = r.methods;
    out.kernels = r.kernels;
    out.samixSections = r.samixSections;
    out.tensorLeak = r.leak;
    out.warmupMs = r.warmupMs;
    out.ssl = r.ssl;
    if (!a.json) console.log(`\n## Self-supervised (SSL SAMix vs plain MoCo)\n\n${formatSslBench(r.ssl)}`);
    out.samixp = r.samixp;
    if (!a.json)
      console.log(
        `\n## SAMix^P (pre-trained, frozen Mixer) vs ERM and online SAMix\n\n${formatSamixpBench(r.samixp)}`,
      );
    if (!a.json) {
      console.log(
        `\n## Methods side by side (Node, wasm, shapes ${data.height}×${data.width}, batch ${a.batch}, width ${a.width}, median of ${a.steps} steps after ${a.warmup} warm-up)\n`,
      );
      console.log(
        table(
          [
            'method',
            'ms/step',
            '× ERM',
            'GFLOP/s',
            'GFLOP/step',
            'warm-up ms',
            'tensors',
            'MB held',
            'tensor growth',
          ],
          r.methods.map((m) => [
            m.label,
            m.medianMs,
            m.ratioToErm,
            m.gflops,
            m.flopsPerStep / 1e9,
            r.warmupMs[m.label],
            String(m.tensors),
            m.bytes / 2 ** 20,
            String(m.tensorGrowth),
          ]),
        ),
      );
      console.log(
        `\n## Kernels per training step (tf.profile: every registered kernel one step runs. The kernel budget (docs/performance.md), ERM ≤ 300 and SAMix ≤ 900, is the webgl/webgpu-graph total; in brackets the same without Reshape/Identity, which move no data on wasm/webgpu but can run a shader on webgl)\n`,
      );
      console.log(
        table(
          ['step', 'wasm graph', 'webgl/webgpu graph'],
          r.kernels.map((k) => [k.label, kernelCell(k.wasm), kernelCell(k.gpu)]),
        ),
      );
      console.log(
        `\n(wasm graph counted on wasm at batch ${a.batch}; webgl/webgpu graph on the Node cpu backend with native conv gradients at batch ${a.gpuGraphBatch} — counts do not depend on the batch.)`,
      );
      for (const k of r.kernels)
        if (k.gpu) console.log(`largest groups, ${k.what} (webgl/webgpu graph): ${topKernels(k.gpu)}`);
      console.log(
        `\n## Where a SAMix step goes (wasm, instrumented run: section marks, time = median of ${Math.max(3, a.steps)} steps; kernels in the wasm graph)\n`,
      );
      console.log(
        table(
          ['section', 'ms', 'share', 'kernels'],
          r.samixSections.map((s) => [
            s.section,
            s.ms.toFixed(1),
            `${(100 * s.share).toFixed(1)}%`,
            String(s.kernels),
          ]),
        ),
      );
      if (r.leak.length > 0) {
        console.log(`\n## Tensor count (batch 8, width 4; flat = no leak)\n`);
        console.log(
          table(
            ['method', 'numTensors at step 10', `at step ${r.leak[0].steps}`],
            r.leak.map((l) => [l.method, String(l.at10), String(l.atEnd)]),
          ),
        );
      }
    }
  }
  if (a.part === 'node' || a.part === 'data' || a.part === 'all') {
    // cpu only when asked for with --backends: its SAMix step takes over a minute at batch 64.
    const asked = process.argv.includes('--backends') ? a.backends : ['wasm'];
    const backends = asked.filter((b): b is 'wasm' | 'cpu' => b === 'wasm' || b === 'cpu');
    const r = await runNodeDataBench({ batch: a.batch, width: a.width, steps: a.steps, backends, log });
    out.nodeData = r;
    if (!a.json) {
      console.log(
        `\n## Datasets in Node: load time (npm run train's loaders) and batch assembly vs a SAMix step (batch ${a.batch}, width ${a.width}, median of ${a.steps} steps)\n`,
      );
      console.log(formatDataBench(r));
    }
  }
  if (a.part === 'browser' || a.part === 'all') {
    const methods: MethodName[] = a.methods.includes('samix') ? ['erm', 'samix'] : a.methods.slice(0, 2);
    if (!a.json)
      console.log(
        `\n## Backends side by side (one headless Chromium session, ${methods.join(' and ')}, batch ${a.batch}, width ${a.width})\n`,
      );
    const rows = await runBrowserBench({
      backends: a.backends,
      methods,
      hash: `#batch=${a.batch}&width=${a.width}&steps=10000`,
      warmup: a.warmup,
      steps: a.steps,
      timeoutMs: 3_600_000,
      data: true,
      onData: (d) => {
        out.browserData = d;
      },
    });
    out.browser = rows;
    if (!a.json) {
      console.log(
        table(
          ['backend', 'method', 'first step ms', 'median ms', 'p10', 'p90', 'tensors', 'adapter / error'],
          rows.map((r) => [
            r.backend,
            r.method,
            r.firstStepMs,
            r.medianMs,
            r.p10Ms,
            r.p90Ms,
            `${r.tensorsAfterWarmup}→${r.tensorsAfterRun}`,
            r.error || r.adapter,
          ]),
        ),
      );
      const wasmErm = rows.find((r) => r.backend === 'wasm' && r.method === 'erm')?.medianMs;
      if (wasmErm)
        console.log(
          `\nratio to wasm ERM: ${rows.map((r) => `${r.backend}/${r.method} ${(r.medianMs / wasmErm).toFixed(2)}×`).join(', ')}`,
        );
      const perBackend = a.backends
        .map((b) => {
          const erm = rows.find((r) => r.backend === b && r.method === 'erm' && !r.error)?.medianMs;
          const other = rows.filter((r) => r.backend === b && r.method !== 'erm' && !r.error);
          return erm
            ? other.map((r) => `${b} ${r.method}/ERM ${(r.medianMs / erm).toFixed(2)}×`).join(', ')
            : '';
        })
        .filter((s) => s !== '');
      if (perBackend.length > 0) console.log(`ratio to ERM on the same backend: ${perBackend.join('; ')}`);
      const d = out.browserData as Parameters<typeof formatDataBench>[0] | null | undefined;
      if (d) {
        console.log(
          `\n## Datasets in the browser worker: load time cold and from IndexedDB, batch assembly vs a SAMix step per backend\n`,
        );
        console.log(formatDataBench(d));
      }
    }
  }
  if (a.part === 'ui' || a.part === 'all') {
    const ui = await runUiBench({ seconds: 60, hash: '', backend: 'wasm' });
    out.ui = ui;
    if (!a.json) {
      console.log(
        `\n## Responsiveness (built app, wasm, ${ui.seconds.toFixed(0)} s of SAMix at the page defaults)\n`,
      );
      const mt = ui.mainThread;
      console.log(
        table(
          [
            'long tasks (all)',
            'while training',
            'max ms',
            'traced > 50 ms (GC)',
            '> 50 ms CPU',
            'max task CPU ms',
            'main busy',
            'chart Hz',
            'metrics Hz',
            'mask Hz',
            'KB/s',
            'ms/step UI open',
            'ms/step UI hidden',
            'open/hidden',
          ],
          [
            [
              String(ui.longTasks),
              String(ui.longTasksTraining),
              ui.maxLongTaskTrainingMs,
              mt ? `${mt.overBudgetWall} (${mt.overBudgetWallGc})` : '–',
              mt ? String(mt.overBudgetCpu) : '–',
              mt ? mt.maxCpuMs : NaN,
              mt ? `${(mt.busyShare * 100).toFixed(0)} %` : '–',
              ui.chartRefreshHz,
              ui.metricsHz,
              ui.maskRefreshHz,
              ui.bytesPerSecond / 1024,
              ui.msPerStepOpen,
              ui.msPerStepHidden,
              ui.msPerStepOpen / ui.msPerStepHidden,
            ],
          ],
        ),
      );
      console.log(
        [
          '',
          'Long tasks are wall-clock (Long Tasks API), from a run without a trace (recording one costs CPU).',
          'From a second run of the same length, traced: "traced > 50 ms" counts the main thread\'s tasks',
          'over 50 ms by the wall clock, in brackets those that were mostly V8 garbage collection;',
          '"> 50 ms CPU" those that ran over 50 ms on the CPU. "chart Hz" counts redraws',
          'of the loss chart\'s plot, "metrics Hz" the new values it can draw. Main-thread time per worker',
          'message:\n',
        ].join('\n'),
      );
      console.log(
        table(
          ['message', 'count', 'median ms', 'max ms'],
          ui.messageCosts.map((c) => [c.type, String(c.count), c.medianMs, c.maxMs]),
        ),
      );
    }
  }
  if (a.part === 'first' || a.part === 'all') {
    const seconds = Number(process.env.FIRST_BENCH_SECONDS ?? 60) || 60;
    const first = await runFirstBench({ seconds });
    out.first = first;
    if (!a.json) {
      console.log(
        `\n## Time to insight (built app, ${first.backend}, ${first.config}): test accuracy of each evaluation against seconds since Start\n`,
      );
      console.log(
        table(
          ['s after Start', 'step', 'test acc q %', 'test acc k %'],
          first.evals.map((e) => [e.at, e.step, e.testAccQ * 100, e.testAccK * 100]),
        ),
      );
      console.log(`\n${first.stepsPerSecond.toFixed(2)} steps/s over ${seconds} s`);
    }
  }
  if (a.json) console.log(JSON.stringify(out, null, 2));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
