import { parentPort } from 'node:worker_threads';
import { type ExperimentSpec, runSpec } from './plan.js';

// Worker thread of runPlan: runs the experiments it is sent, one at a time, and posts each result.

parentPort!.on('message', (spec: ExperimentSpec) => {
  try {
    parentPort!.postMessage({ result: runSpec(spec) });
  } catch (e) {
    parentPort!.postMessage({ error: (e as Error).message });
  }
});
