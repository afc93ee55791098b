/**
 * Request/answer helpers over the worker's message stream for the Mixer-bundle and weight exports
 * (worker/mixerProtocol.ts): each sends one request with a fresh id and resolves with the matching
 * answer, or rejects with the worker's message (naming the field) on `mixerFailed`.
 */
import type { MixerFromWorker } from '../worker/mixerProtocol';
import type { FromWorker, ToWorker } from '../worker/protocol';

export interface WorkerLink {
  send(msg: ToWorker): void;
  subscribe(listener: (msg: FromWorker) => void): () => void;
}

let nextId = 1;

type Answer<T extends MixerFromWorker['type']> = Extract<MixerFromWorker, { type: T }>;

/** Sends `make(id)` and waits for the answer of type `want` with that id (or its failure). */
export function request<T extends 'mixerExported' | 'mixerImported' | 'weightsExported'>(
  link: WorkerLink,
  make: (requestId: number) => ToWorker,
  want: T,
): Promise<Answer<T>> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const stop = link.subscribe((m) => {
      if (!('requestId' in m) || m.requestId !== id) return;
      if (m.type === want) {
        stop();
        resolve(m as Answer<T>);
      } else if (m.type === 'mixerFailed') {
        stop();
        reject(new Error(m.error.message));
      }
    });
    link.send(make(id));
  });
}

/** The current run's classifier as model.json + weights.bin (files for a run bundle's `weights/`). */
export async function fetchRunWeights(link: WorkerLink): Promise<Array<{ name: string; data: Uint8Array }>> {
  const w = await request(link, (requestId) => ({ type: 'exportWeights', requestId }), 'weightsExported');
  return [
    { name: 'model.json', data: new TextEncoder().encode(w.modelJson) },
    { name: 'weights.bin', data: w.weightsBin },
  ];
}
