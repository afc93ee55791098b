/** Visible, dismissible messages for errors and URL notes; the page never goes blank. */
interface Props {
  errors: Array<{ name: string; message: string }>;
  notes: string[];
  onDismissError: (i: number) => void;
  onDismissNotes: () => void;
}

export function ErrorBanner({ errors, notes, onDismissError, onDismissNotes }: Props) {
  if (errors.length === 0 && notes.length === 0) return null;
  return (
    <div className="banners">
      {errors.map((e, i) => (
        <div key={i} role="alert" className="banner error">
          <strong>{e.name}:</strong> {e.message}
          <button
            type="button"
            className="small"
            onClick={() => onDismissError(i)}
            aria-label="Dismiss error"
          >
            ×
          </button>
        </div>
      ))}
      {notes.length > 0 && (
        <div role="alert" className="banner note" data-testid="url-notes">
          {notes.map((n) => (
            <div key={n}>{n}</div>
          ))}
          <button type="button" className="small" onClick={onDismissNotes} aria-label="Dismiss notes">
            ×
          </button>
        </div>
      )}
    </div>
  );
}
