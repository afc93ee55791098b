/**
 * Layout and wiring only: URL state, the trainer hook, and the panels.
 */
import { memo, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { EvalResult, ProbeResult, StepMetrics } from './core/trainerTypes';
import {
  LEARNED_METHODS,
  LIVE_FIELDS,
  effectiveAlpha,
  type BackendName,
  type LiveField,
  type RunConfig,
} from './core/config';
import { MetricChart, type ChartRow, type SeriesDef } from './charts/MetricChart';
import { BackendPanel } from './components/BackendPanel';
import { ComparePanel } from './components/ComparePanel';
import { DatasetsPanel } from './components/DatasetsPanel';
import { ExportPanel } from './components/ExportPanel';
import { MixerBundlePanel } from './components/MixerBundlePanel';
import { fetchRunWeights } from './hooks/workerRequests';
import { RunsPanel } from './components/RunsPanel';
import type { RunBundle } from './export/runBundle';
import { Diagnostics } from './components/Diagnostics';
import { ErrorBanner } from './components/ErrorBanner';
import { MaskGallery } from './components/MaskGallery';
import { RunControls } from './components/RunControls';
import { RunRecovery } from './components/RunRecovery';
import { StatusBar } from './components/StatusBar';
import { useAutoSave } from './hooks/useAutoSave';
import { useSavedRuns } from './hooks/useSavedRuns';
import { useTestApi } from './hooks/useTestApi';
import { useTrainer } from './hooks/useTrainer';
import { frameToProbe, nearestFrame } from './ui/maskHistory';
import { backendToSearch, configToHash, parseUrlState } from './ui/urlState';

const LOSS_SERIES: SeriesDef[] = [
  { key: 'local', label: 'local (Mixer)', color: '#2563eb' },
  { key: 'global', label: 'global (Mixer)', color: '#dc2626' },
  { key: 'mixer', label: 'η-weighted total', color: '#7c3aed' },
  { key: 'mask', label: 'mask loss', color: '#059669' },
  { key: 'mixQ', label: 'classifier mix CE', color: '#d97706' },
  { key: 'oneQ', label: 'classifier clean CE', color: '#6b7280' },
];
const ACC_SERIES: SeriesDef[] = [
  { key: 'train', label: 'train', color: '#9ca3af' },
  { key: 'testQ', label: 'test (online)', color: '#2563eb' },
  { key: 'testK', label: 'test (momentum)', color: '#dc2626' },
];

/** Self-supervised runs (spec §5): the same metric keys, named for what they hold there. */
const SSL_LOSS_SERIES: SeriesDef[] = [
  { key: 'oneQ', label: 'contrastive loss (MoCo InfoNCE, view 1)', color: '#111827' },
  { key: 'mixQ', label: 'mixed-sample contrastive (backbone)', color: '#d97706' },
  { key: 'local', label: 'local (Mixer, two-way between the 2 instances)', color: '#2563eb' },
  { key: 'global', label: 'global (Mixer, each instance vs the queue)', color: '#dc2626' },
  { key: 'mixer', label: 'η-weighted total', color: '#7c3aed' },
  { key: 'mask', label: 'mask loss', color: '#059669' },
];
const sslAccSeries = (k: number): SeriesDef[] => [
  { key: 'train', label: 'instance discrimination (train, positive above all negatives)', color: '#9ca3af' },
  { key: 'knn', label: `kNN accuracy (k=${k}, cosine)`, color: '#2563eb' },
  { key: 'probe', label: 'linear-probe accuracy (end of run)', color: '#059669' },
];

const NO_CLASSES: string[] = [];
/** The datasets panel only changes with imports and the cache: it skips the metrics-driven redraws. */
const DatasetsPanelMemo = memo(DatasetsPanel);
/** Chart rows are built once per logged point (points never change once logged). */
const lossRowCache = new WeakMap<StepMetrics, ChartRow>();
const accRowCache = new WeakMap<StepMetrics | EvalResult, ChartRow>();
const lossRow = (m: StepMetrics): ChartRow => {
  let r = lossRowCache.get(m);
  if (!r) lossRowCache.set(m, (r = { step: m.step, ...m.loss } as ChartRow));
  return r;
};
const trainRow = (m: StepMetrics): ChartRow => {
  let r = accRowCache.get(m);
  if (!r) accRowCache.set(m, (r = { step: m.step, train: m.acc.train }));
  return r;
};
const evalRow = (e: EvalResult): ChartRow => {
  let r = accRowCache.get(e);
  if (!r) {
    r = {
      step: e.step,
      testQ: e.testAccQ,
      testK: e.testAccK,
      knn: e.knnAcc ?? NaN,
      probe: e.probeAcc ?? NaN,
    };
    accRowCache.set(e, r);
  }
  return r;
};

/** Default sizes on CPU or software backends, so the first masks appear within seconds. */
const UNIT: [number, number] = [0, 1];
const SLOW_BACKEND_SIZES = { batch: 32, width: 8 } as const;

export function App() {
  const initial = useMemo(() => parseUrlState(window.location.search, window.location.hash), []);
  const [config, setConfig] = useState<RunConfig>(initial.config);
  const [forced, setForced] = useState<BackendName | null>(initial.backend);
  const [notes, setNotes] = useState<string[]>(initial.notes);
  const [smoothing, setSmoothing] = useState(0.6);
  const [logY, setLogY] = useState(false);
  const [hoverStep, setHoverStep] = useState<number | null>(null);
  const [frameIdx, setFrameIdx] = useState<number | null>(null);
  const [touched, setTouched] = useState(
    () => new Set<string>(new URLSearchParams(window.location.hash.slice(1)).keys()),
  );
  const trainer = useTrainer(forced);
  // The API object changes with every message; callbacks read it through a ref so they stay stable
  // and the memoised panels do not redraw on each metrics batch.
  const trainerRef = useRef(trainer);
  useEffect(() => {
    trainerRef.current = trainer;
  }, [trainer]);
  const hidden = initial.hidden;
  const hasRun = trainer.status !== 'idle' || trainer.step > 0;

  // On slow backends the default model is scaled down unless the user chose the sizes.
  const backend = trainer.backend;
  const shown = useMemo<RunConfig>(() => {
    if (!backend?.isSoftware) return config;
    return {
      ...config,
      batch: touched.has('batch') ? config.batch : SLOW_BACKEND_SIZES.batch,
      width: touched.has('width') ? config.width : SLOW_BACKEND_SIZES.width,
    };
  }, [config, backend, touched]);

  const scaledNote =
    backend?.isSoftware && (!touched.has('batch') || !touched.has('width'))
      ? `slow backend: batch ${shown.batch}, width ${shown.width} so masks appear within seconds (set Batch / Width to override)`
      : null;

  useEffect(() => {
    const url = `${window.location.pathname}${backendToSearch(forced)}${configToHash(config, hidden)}`;
    window.history.replaceState(null, '', url);
  }, [config, forced, hidden]);

  const onChange = useCallback((patch: Partial<RunConfig>) => {
    setTouched((t) => new Set([...t, ...Object.keys(patch)]));
    setConfig((c) => ({ ...c, ...patch }));
    const live = Object.fromEntries(
      Object.entries(patch).filter(([k]) => (LIVE_FIELDS as readonly string[]).includes(k)),
    ) as Partial<Pick<RunConfig, LiveField>>;
    const t = trainerRef.current;
    if (Object.keys(live).length && (t.status === 'running' || t.status === 'paused')) t.setLive(live);
  }, []);

  const { start: trainerStart, reset: trainerReset, stepOnce, repickProbes } = trainer;
  const startRun = useCallback(
    (autoRun: boolean) => {
      setFrameIdx(null);
      trainerStart(shown, autoRun);
    },
    [trainerStart, shown],
  );
  const onStart = useCallback(() => startRun(true), [startRun]);
  const resetRun = useCallback(() => {
    setFrameIdx(null);
    trainerReset();
  }, [trainerReset]);

  const onStep = useCallback(
    (part: 'both' | 'mixer' | 'classifier') => {
      if (!hasRun) startRun(false);
      stepOnce(part);
    },
    [hasRun, stepOnce, startRun],
  );
  const onRepick = useCallback(() => repickProbes(null), [repickProbes]);
  const onUseDataset = useCallback(
    (name: string) => onChange({ dataset: name as RunConfig['dataset'] }),
    [onChange],
  );

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      const t = e.target as HTMLElement | null;
      if (t && /^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(t.tagName)) return;
      if (e.key === ' ') {
        e.preventDefault();
        if (trainer.status === 'running') trainer.pause();
        else if (trainer.status === 'paused') trainer.resume();
        else if (!hasRun) startRun(true);
      } else if (e.key === 'ArrowRight' && trainer.status !== 'running') onStep('both');
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [trainer, hasRun, startRun, onStep]);

  const saved = useSavedRuns();
  const [viewing, setViewing] = useState<{ id: string; bundle: RunBundle } | null>(null);
  useAutoSave(trainer, shown, saved);
  useTestApi(trainer);
  const live = trainer.data;
  const vb = viewing?.bundle;
  const metrics = vb ? vb.metrics : live.metrics;
  const evals = vb ? vb.evals : live.evals;
  const marks = vb ? [] : live.marks;
  const frames = useMemo(() => (vb ? (vb.history?.frames ?? []) : live.frames), [vb, live.frames]);
  const images = vb ? (vb.history?.images ?? new Map<string, ProbeResult>()) : live.images;
  const openRun = async (id: string) => {
    const bundle = await saved.open(id);
    if (bundle) {
      setFrameIdx(null);
      setViewing({ id, bundle });
    }
  };
  const frame = frameIdx !== null ? frames[frameIdx] : undefined;
  const frameImages = frame ? images.get(frame.pairKey) : undefined;
  const lastFrame = frames[frames.length - 1];
  const lastImages = vb && lastFrame ? images.get(lastFrame.pairKey) : undefined;
  const liveProbe = trainer.probe;
  const shownProbe = useMemo(
    () =>
      frame && frameImages
        ? frameToProbe(frame, frameImages)
        : lastFrame && lastImages
          ? frameToProbe(lastFrame, lastImages)
          : liveProbe,
    [frame, frameImages, lastFrame, lastImages, liveProbe],
  );
  const probeSize = useMemo(
    () => (shownProbe ? { width: shownProbe.width, height: shownProbe.height } : null),
    [shownProbe],
  );
  const probeLams = useMemo(() => (shownProbe ? shownProbe.pairs.map((p) => p.lam) : []), [shownProbe]);
  const cursor = hoverStep ?? frame?.step ?? null;
  const onCursor = useCallback(
    (step: number | null) => {
      setHoverStep(step);
      if (step !== null && frames.length > 0) setFrameIdx(nearestFrame(frames, step));
    },
    [frames],
  );
  const version = trainer.version;
  // `metrics` and `evals` are new arrays whenever points arrive, so they are the only dependencies.
  const lossRows = useMemo<ChartRow[]>(() => metrics.map(lossRow), [metrics]);
  const accRows = useMemo<ChartRow[]>(() => {
    const rows: ChartRow[] = metrics.map(trainRow);
    for (const e of evals) rows.push(evalRow(e));
    return rows.sort((a, b) => a.step - b.step);
  }, [metrics, evals]);
  const runCfg = vb ? vb.config : shown;
  const sslCharts = runCfg.scenario === 'ssl';
  const accSeries = useMemo(
    () => (sslCharts ? sslAccSeries(runCfg.knnK) : ACC_SERIES),
    [sslCharts, runCfg.knnK],
  );
  const evalHint =
    evals.length === 0 && metrics.length > 0
      ? `${sslCharts ? 'kNN accuracy (labels used for monitoring only)' : 'Test accuracy'} appears after the first evaluation at step ${runCfg.evalEvery}.`
      : undefined;

  return (
    <div className="app">
      <header className="top">
        <h1>SAMix Playground</h1>
        <p>Scenario-Agnostic Mixup, trained live in your browser. A Mixer network learns the masks below.</p>
      </header>
      <ErrorBanner
        errors={trainer.errors}
        notes={notes}
        onDismissError={trainer.dismissError}
        onDismissNotes={() => setNotes([])}
      />
      <RunRecovery
        trainer={trainer}
        onConfig={(c) => {
          setTouched(new Set(Object.keys(c)));
          setConfig(c);
        }}
      />
      <StatusBar trainer={trainer} budget={shown.steps} batch={shown.batch} scaled={scaledNote} />
      {vb && (
        <div className="viewing-banner" role="note">
          Viewing a saved run: {vb.config.method} on {vb.config.dataset}, seed {vb.config.seed} (
          {vb.metrics.length} logged steps).{' '}
          <button type="button" className="small" onClick={() => setViewing(null)}>
            Back to live
          </button>
        </div>
      )}
      <main className="grid">
        <div className="left">
          {!hidden.has('controls') && (
            <RunControls
              config={shown}
              status={trainer.status}
              hasRun={hasRun}
              onChange={onChange}
              onStart={onStart}
              onPause={trainer.pause}
              onResume={trainer.resume}
              onStep={onStep}
              onReset={resetRun}
            />
          )}
          {!hidden.has('masks') && (
            <MaskGallery
              probe={shownProbe}
              isHistory={frame !== undefined}
              classes={trainer.dataset?.classes ?? NO_CLASSES}
              onRepick={onRepick}
              onPairs={repickProbes}
              frames={frames}
              frameIdx={frameIdx}
              onSelectFrame={setFrameIdx}
              batch={vb ? null : trainer.batchSamples}
            />
          )}
          {!hidden.has('backend') && (
            <BackendPanel
              info={trainer.backend}
              forced={forced}
              onForce={setForced}
              check={trainer.selfCheck}
              onCheck={trainer.runSelfCheck}
              busy={trainer.status === 'running'}
            />
          )}
          {!hidden.has('datasets') && (
            <DatasetsPanelMemo
              dataImport={trainer.dataImport}
              dataLoad={trainer.dataLoad}
              cached={trainer.cachedDatasets}
              onImport={trainer.importData}
              onDelete={trainer.deleteDataset}
              onUse={onUseDataset}
            />
          )}
        </div>
        <div className="right">
          <div className="chart-options">
            <label title="Debiased exponential moving average of the plotted series; the raw line stays faint behind. Default: 0.6.">
              Smoothing{' '}
              <input
                type="range"
                min={0}
                max={0.99}
                step={0.01}
                value={smoothing}
                aria-label="Smoothing"
                onChange={(e) => setSmoothing(Number(e.target.value))}
              />{' '}
              {smoothing.toFixed(2)}
            </label>
            <label title="Logarithmic y axis for the loss chart. Default: off.">
              <input type="checkbox" checked={logY} onChange={(e) => setLogY(e.target.checked)} /> log-y
              (losses)
            </label>
          </div>
          {!hidden.has('loss') && (
            <MetricChart
              title="Loss components"
              series={sslCharts ? SSL_LOSS_SERIES : LOSS_SERIES}
              rows={lossRows}
              smoothing={smoothing}
              logY={logY}
              marks={marks}
              cursorStep={cursor}
              onCursor={onCursor}
            />
          )}
          {!hidden.has('accuracy') && (
            <MetricChart
              title="Accuracy"
              series={accSeries}
              rows={accRows}
              smoothing={smoothing}
              logY={false}
              marks={marks}
              cursorStep={cursor}
              onCursor={onCursor}
              yDomain={UNIT}
              empty={evalHint}
            />
          )}
          {!hidden.has('diagnostics') && (
            <Diagnostics
              metrics={metrics}
              frames={frames}
              alpha={effectiveAlpha(shown)}
              margin={shown.maskMargin}
              size={probeSize}
              lams={probeLams}
              version={version}
              checkCollapse={LEARNED_METHODS.includes(shown.method)}
            />
          )}
          {!hidden.has('compare') && (
            <ComparePanel
              base={shown}
              compare={trainer.compare}
              classes={trainer.dataset?.classes ?? []}
              initial={initial.compare}
              running={!!trainer.compare && !trainer.compare.done && trainer.status === 'running'}
              onRun={(entries) => {
                setFrameIdx(null);
                setViewing(null);
                trainer.runCompare(entries);
              }}
              onStop={resetRun}
            />
          )}
          {!hidden.has('export') && (
            <ExportPanel
              config={vb ? vb.config : shown}
              metrics={metrics}
              evals={evals}
              frames={frames}
              images={images}
              trainCount={trainer.dataset?.trainCount ?? null}
              fetchWeights={hasRun && !vb ? () => fetchRunWeights(trainer) : undefined}
              onImport={async (file) => {
                const r = await saved.importBundle(file);
                if (r) {
                  setFrameIdx(null);
                  setViewing({ id: r.summary.id, bundle: r.bundle });
                }
              }}
            />
          )}
          {!hidden.has('mixers') && (
            <MixerBundlePanel
              link={trainer}
              config={shown}
              hasRun={hasRun && !vb}
              datasetName={trainer.dataset?.name ?? null}
              step={trainer.step}
              onChange={onChange}
            />
          )}
          {!hidden.has('runs') && (
            <RunsPanel
              saved={saved}
              viewingId={viewing?.id ?? null}
              onOpen={(id) => void openRun(id)}
              onBackToLive={() => setViewing(null)}
            />
          )}
        </div>
      </main>
    </div>
  );
}
