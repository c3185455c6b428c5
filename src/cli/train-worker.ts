import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { type CharLMTrainOptions, type CharLMTrainResult, trainCharLM } from '../apps/charlm/train.js';
import { kernels, setBackend } from '../kernels/backend.js';
import type { StepInfo } from '../train/loop.js';

// `rnnkit train` runs the training loop on a worker thread. The loop is synchronous, and a
// signal handler only runs when the event loop of its thread is free: with training on the
// main thread, Ctrl-C would wait for the whole run to end. Here the main thread stays free,
// notices Ctrl-C and raises a flag in shared memory that the loop polls after each step.

/** Everything of CharLMTrainOptions that can cross to a worker (no callbacks). */
export type WorkerTrainOptions = Omit<CharLMTrainOptions, 'onStep' | 'onEval' | 'onSample' | 'onCheckpoint' | 'shouldStop'>;

interface TrainWorkerData {
  rnnkitTrainWorker: true;
  options: WorkerTrainOptions;
  backend?: string;
  /** Kernel threads the main thread's backend was set to (--threads, RNNKIT_THREADS or the cores). */
  threads?: number;
  /** stop[0] = 1 asks the loop to finish its step, save a checkpoint and return. */
  stop: Int32Array;
}

type WorkerMessage =
  | { kind: 'step'; info: StepInfo }
  | { kind: 'eval'; step: number; loss: number }
  | { kind: 'sample'; step: number; text: string }
  | { kind: 'done'; result: CharLMTrainResult }
  | { kind: 'error'; message: string; stack?: string; nonFinite: boolean };

export interface TrainEvents {
  onStep(info: StepInfo): void;
  onEval(step: number, loss: number): void;
  onSample(step: number, text: string): void;
}

/** An error of the training itself, carried over from the worker. */
export class TrainWorkerError extends Error {
  constructor(message: string, stack: string | undefined, readonly nonFinite: boolean) {
    super(message);
    if (stack) this.stack = stack;
  }
}

export class TrainRun {
  private readonly stopFlag = new Int32Array(new SharedArrayBuffer(4));
  readonly result: Promise<CharLMTrainResult>;

  constructor(options: WorkerTrainOptions, backend: string | undefined, events: TrainEvents) {
    // The kernels' thread count was set on this thread (selectBackend); the worker has its own kernels.
    const data: TrainWorkerData = { rnnkitTrainWorker: true, options, backend, threads: kernels().threads?.(), stop: this.stopFlag };
    const worker = new Worker(new URL(import.meta.url), { workerData: data });
    this.result = new Promise((resolve, reject) => {
      let settled = false;
      worker.on('message', (m: WorkerMessage) => {
        if (m.kind === 'step') events.onStep(m.info);
        else if (m.kind === 'eval') events.onEval(m.step, m.loss);
        else if (m.kind === 'sample') events.onSample(m.step, m.text);
        else if (m.kind === 'done') { settled = true; resolve(m.result); }
        else { settled = true; reject(new TrainWorkerError(m.message, m.stack, m.nonFinite)); }
      });
      worker.on('error', (e) => { settled = true; reject(e); });
      worker.on('exit', (code) => { if (!settled) reject(new Error(`the training thread stopped unexpectedly (exit code ${code})`)); });
    });
  }

  /** Asks the loop to stop after the current step (with a checkpoint). */
  requestStop(): void {
    Atomics.store(this.stopFlag, 0, 1);
  }

  get stopRequested(): boolean {
    return Atomics.load(this.stopFlag, 0) === 1;
  }
}

function runInWorker(d: TrainWorkerData): void {
  const post = (m: WorkerMessage) => parentPort!.postMessage(m);
  try {
    if (d.backend) setBackend(d.backend);
    if (d.threads !== undefined) kernels().setThreads?.(d.threads);
    const result = trainCharLM({
      ...d.options,
      onStep: (info) => post({ kind: 'step', info }),
      onEval: (step, m) => post({ kind: 'eval', step, loss: m.loss }),
      onSample: (step, text) => post({ kind: 'sample', step, text }),
      shouldStop: () => Atomics.load(d.stop, 0) === 1,
    });
    post({ kind: 'done', result });
  } catch (e) {
    const err = e as Error;
    post({ kind: 'error', message: err.message ?? String(e), stack: err.stack, nonFinite: err.name === 'NonFiniteError' });
  }
}

if (!isMainThread && parentPort && (workerData as TrainWorkerData | undefined)?.rnnkitTrainWorker === true) {
  runInWorker(workerData as TrainWorkerData);
}
