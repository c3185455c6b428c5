import { Command, InvalidArgumentError, Option } from 'commander';
import { availableBackends } from '../src/kernels/backend.js';
import { float, positiveInt } from '../src/cli/options.js';

// Command lines of the two benchmark scripts (run.ts, quality.ts). A misspelt option or a value
// outside its list stops the script before it runs for minutes on the wrong settings.

export interface BenchOptions {
  workloads: string[];
  backends: string[];
  threads: number[];
  quick: boolean;
  minSeconds: number;
  maxSteps: number;
}

export interface QualityOptions {
  minutes: number;
  threads: number;
  backend: string | undefined;
  torch: boolean;
}

/** A comma-separated list whose items each pass `item`. */
function listOf<T>(item: (v: string) => T): (v: string) => T[] {
  return (v) => v.split(',').map((s) => item(s.trim()));
}

function oneOf(name: string, allowed: readonly string[], what: string): (v: string) => string {
  return (v) => {
    if (!allowed.includes(v)) throw new InvalidArgumentError(`--${name}: ${what} '${v}' is not one of ${allowed.join(', ')}`);
    return v;
  };
}

/** Parses `npm run bench` arguments (without node and the script); workloadIds are the known workloads. */
export function parseBenchOptions(args: readonly string[], workloadIds: readonly string[], program = new Command('bench')): BenchOptions {
  const backends = availableBackends();
  program
    .description("runs ../shared/BENCHMARKS.md's workloads on rnnkit's backends; one JSON line per workload, backend and thread count, then a table beside the anchors")
    .addOption(new Option('--workloads <list>', 'workloads, comma-separated')
      .argParser(listOf(oneOf('workloads', workloadIds, 'workload'))).default([...workloadIds], workloadIds.join(',')))
    .addOption(new Option('--backends <list>', 'backends, comma-separated (those this machine has)')
      .argParser(listOf(oneOf('backends', backends, 'backend'))).default(backends, backends.join(',')))
    .addOption(new Option('--threads <list>', 'thread counts, comma-separated').argParser(listOf(positiveInt('threads'))).default([1, 2], '1,2'))
    .option('--quick', '1 warm-up and 3 timed steps: a smoke run, not a measurement', false)
    .option('--min-seconds <s>', 'time each workload at least this long (after 10 steps)', float('min-seconds', 0, 3600), 8)
    .option('--max-steps <n>', 'at most this many timed steps', positiveInt('max-steps', 10), 10000)
    .allowExcessArguments(false)
    .parse([...args], { from: 'user' });
  return program.opts<BenchOptions>();
}

/** Parses `npm run bench:quality` arguments (without node and the script). */
export function parseQualityOptions(args: readonly string[], program = new Command('bench:quality')): QualityOptions {
  program
    .description('quality for time: the W2 model trained on Tiny Shakespeare for a wall-clock budget, then its validation cross-entropy')
    .option('--minutes <m>', 'training budget in minutes', float('minutes', 0.01, 24 * 60), 10)
    .option('--threads <n>', 'threads of the backend', positiveInt('threads'), 2)
    .option('--backend <name>', `backend (here: ${availableBackends().join(', ')}; default: the default backend)`, oneOf('backend', availableBackends(), 'backend'))
    .option('--torch', "then run ../shared/anchors/torch_charlm_quality.py with the same budget", false)
    .allowExcessArguments(false)
    .parse([...args], { from: 'user' });
  return program.opts<QualityOptions>();
}
