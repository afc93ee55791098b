/**
 * An error boundary around one panel: a render error inside it (a malformed saved run, a bug) is
 * shown in that panel's place, naming the panel and the error, while the rest of the page and the
 * training in the worker go on. "Try again" renders the panel afresh.
 */
import { Component, type ErrorInfo, type ReactNode } from 'react';

interface Props {
  /** The panel's name as the page shows it, e.g. "Masks". */
  name: string;
  children: ReactNode;
}

/**
 * Test seam (e2e/badInput.spec.ts): while `globalThis.__samixPanelFault` names this panel, drawing
 * it throws, as a real render error would.
 */
function FaultSeam({ name }: { name: string }): null {
  if ((globalThis as { __samixPanelFault?: string }).__samixPanelFault === name)
    throw new Error(`injected render fault in ${name}`);
  return null;
}

interface State {
  error: Error | null;
}

export class PanelBoundary extends Component<Props, State> {
  state: State = { error: null };

  static getDerivedStateFromError(error: unknown): State {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  componentDidCatch(error: Error, info: ErrorInfo): void {
    console.warn(`panel "${this.props.name}" failed to draw:`, error, info.componentStack);
  }

  render(): ReactNode {
    const { error } = this.state;
    if (!error)
      return (
        <>
          <FaultSeam name={this.props.name} />
          {this.props.children}
        </>
      );
    return (
      <section className="panel panel-failed" aria-label={`${this.props.name} (failed)`}>
        <div role="alert" className="banner error">
          <strong>The {this.props.name} panel could not be drawn</strong>: {error.message}. The rest of the
          page and any training run go on.{' '}
          <button type="button" className="small" onClick={() => this.setState({ error: null })}>
            Try again
          </button>
        </div>
      </section>
    );
  }
}
