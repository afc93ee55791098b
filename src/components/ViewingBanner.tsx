/** The note above the panels while a saved run is shown instead of the live one. */
import type { RunBundle } from '../export/runBundle';

export function ViewingBanner({ bundle, onBack }: { bundle: RunBundle; onBack(): void }) {
  return (
    <div className="viewing-banner" role="note">
      Viewing a saved run: {bundle.config.method} on {bundle.config.dataset}, seed {bundle.config.seed} (
      {bundle.metrics.length} logged steps).{' '}
      <button type="button" className="small" onClick={onBack}>
        Back to live
      </button>
    </div>
  );
}
