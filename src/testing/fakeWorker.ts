/**
 * A stand-in for the training worker in unit tests of the trainer client (src/client): records what
 * the page posts, and delivers worker messages, crashes and silence on demand. Test-only.
 */
import { TrainerClient, type WorkerLike } from '../client/trainerClient';
import type { BackendName } from '../core/config';
import type { FromWorker, ToWorker } from '../worker/protocol';

export class FakeWorker implements WorkerLike {
  readonly posted: ToWorker[] = [];
  terminated = false;
  onmessage: ((e: MessageEvent<FromWorker>) => void) | null = null;
  onerror: ((e: ErrorEvent) => void) | null = null;

  postMessage(msg: ToWorker): void {
    this.posted.push(msg);
  }

  terminate(): void {
    this.terminated = true;
  }

  /** The worker sends `msg`. */
  emit(msg: FromWorker): void {
    this.onmessage?.({ data: msg } as MessageEvent<FromWorker>);
  }

  /** The worker throws an uncaught error. */
  crash(message: string): void {
    this.onerror?.({ message, preventDefault() {} } as unknown as ErrorEvent);
  }

  /** The last message of type `type` the page posted. */
  last<T extends ToWorker['type']>(type: T): Extract<ToWorker, { type: T }> {
    const m = this.posted.filter((p) => p.type === type).at(-1);
    if (!m) throw new Error(`nothing of type ${type} was posted`);
    return m as Extract<ToWorker, { type: T }>;
  }
}

/** A connected client over fake workers; `worker` is the newest one (recovery spawns more). */
export function clientHarness(forcedBackend: BackendName | null = null) {
  const workers: FakeWorker[] = [];
  const client = new TrainerClient({
    forcedBackend,
    makeWorker: () => {
      const w = new FakeWorker();
      workers.push(w);
      return w;
    },
  });
  client.connect();
  return {
    client,
    workers,
    get worker(): FakeWorker {
      return workers[workers.length - 1];
    },
    get view() {
      return client.getSnapshot();
    },
  };
}
