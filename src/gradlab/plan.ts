import { setBackend } from '../kernels/backend.js';
import { type ExperimentOptions, type ExperimentResult, runExperiment } from './experiment.js';
import { makeTask } from './tasks/index.js';

// A gradient-lab plan: the experiments to run, as plain data (a task by name, not a Task object),
// so that they can be handed to worker threads and run two at a time on a 2-core machine.

export type ExperimentSpec = Omit<ExperimentOptions, 'task'> & {
  task: string; distance: number;
  /** Kernel backend by name (worker threads do not share the main thread's choice). */
  backend?: string;
};

export function runSpec(spec: ExperimentSpec): ExperimentResult {
  if (spec.backend) setBackend(spec.backend);
  return runExperiment({ ...spec, task: makeTask(spec.task, spec.distance) });
}

/**
 * Runs every spec, on up to `workers` worker threads (1: in this thread); results come back in
 * the specs' order, and onResult sees each as it finishes.
 */
export async function runPlan(specs: readonly ExperimentSpec[], workers: number,
  onResult: (r: ExperimentResult, index: number) => void = () => {}): Promise<ExperimentResult[]> {
  const results: ExperimentResult[] = new Array(specs.length);
  if (workers <= 1 || specs.length <= 1) {
    specs.forEach((s, i) => { results[i] = runSpec(s); onResult(results[i], i); });
    return results;
  }
  const { Worker } = await import('node:worker_threads');
  let next = 0;
  const lane = () => new Promise<void>((resolve, reject) => {
    const worker = new Worker(new URL('./plan-worker.js', import.meta.url));
    const feed = () => {
      if (next >= specs.length) { void worker.terminate().then(() => resolve()); return; }
      const i = next++;
      worker.once('message', (m: { result?: ExperimentResult; error?: string }) => {
        if (m.error !== undefined) { void worker.terminate(); reject(new Error(m.error)); return; }
        results[i] = m.result!;
        onResult(results[i], i);
        feed();
      });
      worker.postMessage(specs[i]);
    };
    worker.once('error', reject);
    feed();
  });
  await Promise.all(Array.from({ length: Math.min(workers, specs.length) }, lane));
  return results;
}
