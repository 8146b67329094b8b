/**
 * The near-empty page: no Angular, no rxjs, only the raw handler of apps/shared/measure.ts (the
 * same module the Angular page imports). It is the control for "what does the Angular page around
 * a handler cost": bench/run.mjs runs the same raw handler here and in apps/harness, in the same
 * rounds.
 */
import { commonBench, prepareHotRaw, prepareRaw } from '../../shared/measure';

const bench = {
  ...commonBench,
  prepare: (variant: string, k = 1) => {
    if (variant !== 'raw' && variant !== 'raw-map') throw new Error(`the plain page runs only the raw handler, not ${variant}`);
    return prepareRaw(k, variant === 'raw' ? 'direct' : 'map');
  },
  prepareHot: (variant: string, k = 1) => {
    if (variant !== 'raw' && variant !== 'raw-map') throw new Error(`the plain page runs only the raw handler, not ${variant}`);
    return prepareHotRaw(k, variant === 'raw' ? 'direct' : 'map');
  },
};
(window as unknown as { bench: typeof bench }).bench = bench;
document.body.dataset['benchReady'] = 'true';
