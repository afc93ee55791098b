/**
 * Pre-trained runs shipped with the playground (public/runs/, made by `npm run warm-start`): one
 * click opens a run trained in advance on `shapes`, so its curves, its mask history and mature masks
 * are on screen at once; Resume trains its last steps from its checkpoint, Reset then Start trains the same
 * setup from scratch.
 */
import { useEffect, useState } from 'react';
import { fetchShippedRun, fetchWarmStartIndex, type ShippedRun, type WarmStartEntry } from '../ui/warmStarts';

interface Props {
  onOpen: (run: ShippedRun) => void;
  /** True while a run trains (opening one replaces it; the button says so). */
  busy: boolean;
}

const LABELS: Record<string, string> = { samix: 'SAMix', automix: 'AutoMix', mixup: 'Mixup', erm: 'ERM' };
const pct = (v: number) => `${(v * 100).toFixed(1)} %`;

export function WarmStartPanel({ onOpen, busy }: Props) {
  const [entries, setEntries] = useState<WarmStartEntry[] | null>(null);
  const [message, setMessage] = useState('');
  const [opening, setOpening] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    fetchWarmStartIndex().then(
      (list) => live && setEntries(list),
      (e: unknown) => live && setMessage(`Pre-trained runs are not available: ${(e as Error).message}`),
    );
    return () => {
      live = false;
    };
  }, []);

  const open = async (e: WarmStartEntry) => {
    setOpening(e.file);
    setMessage('');
    try {
      onOpen(await fetchShippedRun(e));
    } catch (err) {
      setMessage(`${(err as Error).message} — nothing was opened; the current run is unchanged.`);
    } finally {
      setOpening(null);
    }
  };

  if (entries !== null && entries.length === 0 && !message) return null;
  return (
    <section aria-label="Pre-trained runs" className="panel" data-testid="warm-starts">
      <header className="panel-head">
        <h2>Pre-trained runs</h2>
      </header>
      <p className="hint">
        Runs trained in advance on <code>shapes</code>: their curves and masks appear at once.{' '}
        <strong>Resume</strong> trains the last steps, <strong>Reset</strong> then <strong>Start</strong>{' '}
        trains the same setup from scratch.
      </p>
      <div className="row wrap">
        {(entries ?? []).map((e) => (
          <button
            key={e.file}
            type="button"
            data-testid={`warm-${e.method}`}
            disabled={opening !== null}
            onClick={() => void open(e)}
            title={
              `${LABELS[e.method] ?? e.method}: step ${e.steps} of ${e.budget}, test accuracy ${pct(e.testAccQ)}` +
              (e.objectKept !== null ? `, object kept ${e.objectKept.toFixed(2)}` : '') +
              (busy ? ' — opening it replaces the run in training' : '')
            }
          >
            {opening === e.file ? 'Opening…' : `${LABELS[e.method] ?? e.method} · ${pct(e.testAccQ)}`}
          </button>
        ))}
      </div>
      {message && (
        <div role="alert" className="banner note">
          {message}
        </div>
      )}
    </section>
  );
}
