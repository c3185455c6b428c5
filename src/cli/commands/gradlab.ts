import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { ExperimentResult } from '../../gradlab/experiment.js';
import { CELL_NAMES } from '../../gradlab/model.js';
import { type ExperimentSpec, runPlan } from '../../gradlab/plan.js';
import { resultsSummary, resultsTable, runName } from '../../gradlab/report.js';
import { TASK_NAMES, makeTask } from '../../gradlab/tasks/index.js';
import { choice, float, positiveInt, selectBackend, UsageError } from '../options.js';

// `rnnkit gradlab`: trains each recurrent cell on a long-range task, with and without gradient
// clipping, and shows why plain RNNs forget: a table, a per-model summary, SVG figures and
// results.json in --out. --explode scales W_hh up and trains with plain SGD, so the gradients
// blow up without clipping (detected and reported) and stay bounded with it.

interface GradlabFlags {
  task: string; distance: string; steps: number; cells?: string; clip: number; clipping: string;
  hidden: number; batchSize: number; lr?: number; optimizer?: string; memoryBias: number;
  recurrentScale?: number; explode?: boolean; seed: number; out: string; workers?: number;
  evalSequences: number; plot: boolean; backend?: string;
}

const EXPLODE_SCALE = 3;

export function registerGradlab(program: Command): void {
  program.command('gradlab')
    .description('vanishing and exploding gradients, made visible: trains tanh, sigmoid, ReLU, IRNN, leaky-ReLU RNNs, LSTM and GRU on a long-range task')
    .option('--task <name>', `${TASK_NAMES.join(' | ')}`, choice('task', TASK_NAMES), 'agreement')
    .option('--distance <k,...>', 'distances to test, comma-separated (agreement: distractors; adding: length T; copy: delay)', '10,50,100')
    .option('--steps <n>', 'training steps per model', positiveInt('steps'), 1000)
    .option('--cells <list>', `comma-separated, from ${CELL_NAMES.join(', ')} (default all; with --explode: relu,tanh)`)
    .option('--clipping <which>', 'train with clipping, without, or both', choice('clipping', ['both', 'on', 'off']), 'both')
    .option('--clip <norm>', 'maximum global gradient norm when clipping', float('clip', 1e-6, 1e9), 1)
    .option('--hidden <n>', 'hidden units', positiveInt('hidden'), 32)
    .option('--batch-size <n>', 'sequences per step', positiveInt('batch-size'), 32)
    .option('--lr <rate>', 'learning rate (default 0.003 with adam, 0.05 with sgd)', float('lr', 0, 10))
    .option('--optimizer <name>', 'adam | sgd (default adam; sgd with --explode, since Adam rescales any gradient)', choice('optimizer', ['adam', 'sgd']))
    .option('--memory-bias <b>', 'added to the LSTM forget-gate and GRU update-gate biases at init', float('memory-bias', -20, 20), 3)
    .option('--recurrent-scale <s>', `multiply W_hh after init (default 1; ${EXPLODE_SCALE} with --explode)`, float('recurrent-scale', 0, 1e3))
    .option('--explode', `the exploding set-up: W_hh x${EXPLODE_SCALE}, plain SGD`)
    .option('--eval-sequences <n>', 'held-out sequences for the accuracy', positiveInt('eval-sequences'), 512)
    .option('--seed <n>', 'seed for data and initialisation', positiveInt('seed', 0), 1)
    .option('--workers <n>', 'experiments run in parallel on worker threads (default: cores, at most 4)', positiveInt('workers'))
    .option('--backend <name>', 'kernel backend: js or wasm (default: wasm when it loads)')
    .option('--out <dir>', 'folder for the SVG figures and results.json', 'gradlab-out')
    .option('--no-plot', 'skip the SVG figures')
    .action(async (f: GradlabFlags) => {
      const distances = parseList('distance', f.distance).map((d) => {
        const n = Number(d);
        if (!Number.isInteger(n)) throw new UsageError(`--distance takes whole numbers, got '${d}'`);
        try { makeTask(f.task, n); } catch (e) { throw new UsageError(`--distance: ${(e as Error).message}`); }
        return n;
      });
      const cells = parseList('cells', f.cells ?? (f.explode ? 'relu,tanh' : CELL_NAMES.join(',')));
      for (const c of cells) {
        if (!(CELL_NAMES as readonly string[]).includes(c)) throw new UsageError(`--cells: unknown cell '${c}', choose from ${CELL_NAMES.join(', ')}`);
      }
      const optimizer = (f.optimizer ?? (f.explode ? 'sgd' : 'adam')) as 'adam' | 'sgd';
      const lr = f.lr ?? (optimizer === 'sgd' ? 0.05 : 0.003);
      const recurrentScale = f.recurrentScale ?? (f.explode ? EXPLODE_SCALE : 1);
      const clips = f.clipping === 'both' ? [null, f.clip] : f.clipping === 'on' ? [f.clip] : [null];
      selectBackend(f.backend, undefined);
      prepareOutDir(f.out);

      const specs: ExperimentSpec[] = [];
      for (const distance of distances) for (const cell of cells) for (const clip of clips) {
        specs.push({
          task: f.task, distance, cell: cell as ExperimentSpec['cell'], hiddenSize: f.hidden, batchSize: f.batchSize,
          steps: f.steps, lr, optimizer, clip, seed: f.seed, recurrentScale, memoryBias: f.memoryBias, evalSequences: f.evalSequences, backend: f.backend,
        });
      }
      const workers = Math.min(f.workers ?? Math.min(4, availableParallelism()), specs.length);
      process.stderr.write(`gradlab: ${specs.length} models on ${f.task} (${optimizer}, lr ${lr}, hidden ${f.hidden}, batch ${f.batchSize}, ` +
        `${f.steps} steps, W_hh x${recurrentScale}), ${workers} at a time\n`);
      const t0 = performance.now();
      const results = await runPlan(specs, workers, (r) => {
        process.stderr.write(`  ${runName(r).padEnd(20)} distance ${r.distance}: ${r.stepsDone} steps in ${r.seconds.toFixed(1)} s, ` +
          `held-out accuracy ${(100 * r.heldOutAccuracy).toFixed(1)}%${r.stoppedBy ? ' (diverged)' : ''}\n`);
      });
      process.stdout.write(`${resultsTable(results)}\n\n${resultsSummary(results)}\n`);
      writeFileSync(join(f.out, 'results.json'), JSON.stringify(results.map(toJson), null, 1) + '\n');
      const files = [join(f.out, 'results.json')];
      if (f.plot) {
        const { writeGradlabPlots } = await import('../../gradlab/plots.js');
        files.push(...await writeGradlabPlots(results, f.out));
      }
      process.stdout.write(`\n${((performance.now() - t0) / 1000).toFixed(0)} s; wrote ${files.join(', ')}\n`);
    });
}

function parseList(name: string, v: string): string[] {
  const items = v.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new UsageError(`--${name} is empty`);
  return items;
}

function prepareOutDir(dir: string): void {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UsageError(`--out ${dir} is a file, not a folder`);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new Error(`cannot create the output folder ${dir}: ${(e as Error).message}`);
  }
}

/** results.json: typed arrays as plain lists, non-finite numbers as strings ('NaN', 'Infinity'). */
function toJson(r: ExperimentResult): unknown {
  return JSON.parse(JSON.stringify(r, (_k, v: unknown) => {
    if (ArrayBuffer.isView(v)) return Array.from(v as Float64Array);
    if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
    return v;
  }));
}
