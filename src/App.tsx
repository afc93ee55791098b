/**
 * Layout and wiring only: URL state, the trainer hook, and the panels.
 */
import { memo, useCallback, useEffect, useMemo, useState } from 'react';
import type { ProbeResult } from './core/trainerTypes';
import {
  LEARNED_METHODS,
  LIVE_FIELDS,
  effectiveAlpha,
  type BackendName,
  type LiveField,
  type RunConfig,
} from './core/config';
import { BackendPanel } from './components/BackendPanel';
import { ComparePanel } from './components/ComparePanel';
import { DatasetsPanel } from './components/DatasetsPanel';
import { ExportPanel } from './components/ExportPanel';
import { LiveCharts } from './components/LiveCharts';
import { MixerBundlePanel } from './components/MixerBundlePanel';
import { fetchRunWeights } from './hooks/workerRequests';
import { RunsPanel } from './components/RunsPanel';
import type { RunBundle } from './export/runBundle';
import { Diagnostics } from './components/Diagnostics';
import { ErrorBanner } from './components/ErrorBanner';
import { MaskGallery } from './components/MaskGallery';
import { RunControls } from './components/RunControls';
import { PanelBoundary } from './components/PanelBoundary';
import { RunRecovery } from './components/RunRecovery';
import { StatusBar } from './components/StatusBar';
import { ViewingBanner } from './components/ViewingBanner';
import { WarmStartPanel } from './components/WarmStartPanel';
import type { ShippedRun } from './ui/warmStarts';
import { useAutoSave } from './hooks/useAutoSave';
import { useRunKeys } from './hooks/useRunKeys';
import { useSavedRuns } from './hooks/useSavedRuns';
import { useScaledConfig } from './hooks/useScaledConfig';
import { useShownProbe } from './hooks/useShownProbe';
import { TrainerClientContext, useTrainer } from './hooks/useTrainer';
import { nearestFrame } from './export/maskHistory';
import { backendToSearch, configToHash, parseUrlState } from './ui/urlState';

const NO_CLASSES: string[] = [];
/** The datasets panel only changes with imports and the cache: it skips the metrics-driven redraws. */
const DatasetsPanelMemo = memo(DatasetsPanel);

export function App() {
  const initial = useMemo(() => parseUrlState(window.location.search, window.location.hash), []);
  const [config, setConfig] = useState<RunConfig>(initial.config);
  const [forced, setForced] = useState<BackendName | null>(initial.backend);
  const [notes, setNotes] = useState<string[]>(initial.notes);
  const [hoverStep, setHoverStep] = useState<number | null>(null);
  const [frameIdx, setFrameIdx] = useState<number | null>(null);
  const [touched, setTouched] = useState(
    () => new Set<string>(new URLSearchParams(window.location.hash.slice(1)).keys()),
  );
  const trainer = useTrainer(forced);
  // The API object changes with every message; callbacks read the client (stable) instead, so the
  // memoised panels do not redraw on each metrics batch.
  const client = trainer.client;
  const hidden = initial.hidden;
  const hasRun = trainer.status !== 'idle' || trainer.step > 0;

  // On slow backends the default model is scaled down unless the user chose the sizes.
  const { shown, scaledNote } = useScaledConfig(config, trainer.backend, touched);

  useEffect(() => {
    const debug = new URLSearchParams(window.location.search).has('debug'); // kept: src/client/testHooks.ts
    const url = `${window.location.pathname}${backendToSearch(forced, debug)}${configToHash(config, hidden)}`;
    window.history.replaceState(null, '', url);
  }, [config, forced, hidden]);

  const onChange = useCallback(
    (patch: Partial<RunConfig>) => {
      setTouched((t) => new Set([...t, ...Object.keys(patch)]));
      setConfig((c) => ({ ...c, ...patch }));
      const live = Object.fromEntries(
        Object.entries(patch).filter(([k]) => (LIVE_FIELDS as readonly string[]).includes(k)),
      ) as Partial<Pick<RunConfig, LiveField>>;
      const status = client.select((v) => v.status);
      if (Object.keys(live).length && (status === 'running' || status === 'paused'))
        client.actions.setLive(live);
    },
    [client],
  );

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

  useRunKeys(trainer, hasRun, startRun, onStep);

  const saved = useSavedRuns();
  const [viewing, setViewing] = useState<{ id: string; bundle: RunBundle } | null>(null);
  useAutoSave(trainer, shown, saved);
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
  /** The controls show `c` (a resumed, restored or opened run's configuration), every field as chosen. */
  const adoptConfig = useCallback((c: RunConfig) => {
    setTouched(new Set(Object.keys(c)));
    setConfig(c);
  }, []);
  const openShipped = useCallback(
    ({ bundle, checkpoint }: ShippedRun) => {
      setViewing(null);
      setFrameIdx(null);
      adoptConfig(bundle.config);
      const seed = {
        metrics: bundle.metrics,
        evals: bundle.evals,
        frames: bundle.history?.frames ?? [],
        images: bundle.history?.images ?? new Map<string, ProbeResult>(),
      };
      client.actions.openShippedRun(bundle.config, seed, checkpoint, false);
    },
    [client, adoptConfig],
  );
  const {
    frame,
    probe: shownProbe,
    size: probeSize,
    lams: probeLams,
  } = useShownProbe(frames, images, frameIdx, !!vb, trainer.probe);
  const cursor = hoverStep ?? frame?.step ?? null;
  const onCursor = useCallback(
    (step: number | null) => {
      setHoverStep(step);
      if (step !== null && frames.length > 0) setFrameIdx(nearestFrame(frames, step));
    },
    [frames],
  );
  const runCfg = vb ? vb.config : shown;

  return (
    <TrainerClientContext.Provider value={client}>
      <div className="app">
        <header className="top">
          <h1>SAMix Playground</h1>
          <p className="lede">
            SAMix trains a small <strong>Mixer</strong> network to paint the mask that mixes two images, so
            that the mixed image still shows each object in proportion to its label. Press{' '}
            <strong>Start</strong> (or open a pre-trained run) and watch the masks move from blurry blends to
            object-shaped regions, the <em>object kept</em> score climb above 1, and the Mixer's local and
            global losses next to the accuracy.
          </p>
        </header>
        <ErrorBanner
          errors={trainer.errors}
          notes={notes}
          onDismissError={trainer.dismissError}
          onDismissNotes={() => setNotes([])}
        />
        <PanelBoundary name="Run recovery">
          <RunRecovery onConfig={adoptConfig} />
        </PanelBoundary>
        <PanelBoundary name="Status bar">
          <StatusBar budget={shown.steps} batch={shown.batch} scaled={scaledNote} />
        </PanelBoundary>
        {vb && (
          <PanelBoundary name="Viewing banner">
            <ViewingBanner bundle={vb} onBack={() => setViewing(null)} />
          </PanelBoundary>
        )}
        <main className="grid">
          <div className="left">
            {!hidden.has('controls') && (
              <PanelBoundary name="Run controls">
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
              </PanelBoundary>
            )}
            {!hidden.has('pretrained') && (
              <PanelBoundary name="Pre-trained runs">
                <WarmStartPanel onOpen={openShipped} busy={trainer.status === 'running'} />
              </PanelBoundary>
            )}
            {!hidden.has('masks') && (
              <PanelBoundary name="Masks">
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
              </PanelBoundary>
            )}
            {!hidden.has('backend') && (
              <PanelBoundary name="Backend">
                <BackendPanel
                  info={trainer.backend}
                  forced={forced}
                  onForce={setForced}
                  check={trainer.selfCheck}
                  onCheck={trainer.runSelfCheck}
                  busy={trainer.status === 'running'}
                />
              </PanelBoundary>
            )}
            {!hidden.has('datasets') && (
              <PanelBoundary name="Datasets">
                <DatasetsPanelMemo
                  dataImport={trainer.dataImport}
                  dataLoad={trainer.dataLoad}
                  cached={trainer.cachedDatasets}
                  onImport={trainer.importData}
                  onDelete={trainer.deleteDataset}
                  onUse={onUseDataset}
                  inUse={shown.dataset}
                />
              </PanelBoundary>
            )}
          </div>
          <div className="right">
            <PanelBoundary name="Charts">
              <LiveCharts
                metrics={metrics}
                evals={evals}
                marks={marks}
                ssl={runCfg.scenario === 'ssl'}
                knnK={runCfg.knnK}
                evalEvery={runCfg.evalEvery}
                showLoss={!hidden.has('loss')}
                showAccuracy={!hidden.has('accuracy')}
                cursorStep={cursor}
                onCursor={onCursor}
              />
            </PanelBoundary>
            {!hidden.has('diagnostics') && (
              <PanelBoundary name="Mixup diagnostics">
                <Diagnostics
                  metrics={metrics}
                  evals={evals}
                  frames={frames}
                  alpha={effectiveAlpha(shown)}
                  margin={shown.maskMargin}
                  size={probeSize}
                  lams={probeLams}
                  checkCollapse={LEARNED_METHODS.includes(shown.method)}
                />
              </PanelBoundary>
            )}
            {!hidden.has('compare') && (
              <PanelBoundary name="Compare">
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
              </PanelBoundary>
            )}
            {!hidden.has('export') && (
              <PanelBoundary name="Export">
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
              </PanelBoundary>
            )}
            {!hidden.has('mixers') && (
              <PanelBoundary name="Mixer bundles">
                <MixerBundlePanel
                  link={trainer}
                  config={shown}
                  runMethod={trainer.runConfig?.method}
                  hasRun={hasRun && !vb}
                  datasetName={trainer.dataset?.name ?? null}
                  step={trainer.step}
                  onChange={onChange}
                />
              </PanelBoundary>
            )}
            {!hidden.has('runs') && (
              <PanelBoundary name="Saved runs">
                <RunsPanel
                  saved={saved}
                  viewingId={viewing?.id ?? null}
                  onOpen={(id) => void openRun(id)}
                  onBackToLive={() => setViewing(null)}
                />
              </PanelBoundary>
            )}
          </div>
        </main>
      </div>
    </TrainerClientContext.Provider>
  );
}
