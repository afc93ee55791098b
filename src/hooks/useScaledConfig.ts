/**
 * On slow backends (CPU or software) the default model is scaled down so the first masks appear
 * within seconds, unless the user chose the sizes: the config the page shows and runs, and the
 * status bar note that says so.
 */
import { useMemo } from 'react';
import type { RunConfig } from '../core/config';
import type { BackendInfo } from '../worker/protocol';

/** Default sizes on CPU or software backends, so the first masks appear within seconds. */
const SLOW_BACKEND_SIZES = { batch: 32, width: 8 } as const;

/** `touched`: the config fields the user set (URL hash or controls). */
export function useScaledConfig(
  config: RunConfig,
  backend: BackendInfo | null,
  touched: Set<string>,
): { shown: RunConfig; scaledNote: string | null } {
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
  return { shown, scaledNote };
}
