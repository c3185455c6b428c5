import cliProgress from 'cli-progress';

// Training progress: a live bar (step, loss, validation loss, rate, ETA) on a terminal, plain
// periodic lines otherwise (logs, CI, pipes), with messages such as samples printed above it.
// The budget object is read at every update, so a caller may fill in maxSteps once it is known
// (fit() does after the first epoch of a data source of unknown length).

export interface ProgressBudget {
  maxSteps?: number;
  maxSeconds?: number;
  /** What itemsPerSecond counts, shown as '<unit>/s'; default 'tok' (characters, tokens). */
  unit?: string;
}

export interface ProgressUpdate {
  step: number;
  loss: number;
  itemsPerSecond: number;
  elapsedSeconds: number;
}

export interface Progress {
  update(u: ProgressUpdate): void;
  /** Shows a new validation loss (in the bar, or as its own line). */
  validation(step: number, loss: number): void;
  log(text: string): void;
  stop(): void;
}

export function createProgress(budget: ProgressBudget, stream: NodeJS.WriteStream = process.stderr): Progress {
  return stream.isTTY ? new BarProgress(budget, stream) : new LineProgress(budget, stream);
}

// With a time budget the bar counts seconds; with a step budget, steps.
function position(u: ProgressUpdate, budget: ProgressBudget): { value: number; total: number } {
  if (budget.maxSeconds !== undefined) {
    const bySteps = budget.maxSteps !== undefined ? u.step / budget.maxSteps : 0;
    const byTime = u.elapsedSeconds / budget.maxSeconds;
    return byTime >= bySteps ? { value: Math.round(u.elapsedSeconds), total: Math.round(budget.maxSeconds) } : { value: u.step, total: budget.maxSteps! };
  }
  return { value: u.step, total: budget.maxSteps ?? u.step };
}

function fmtLoss(x: number | undefined): string {
  return x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(3);
}

class BarProgress implements Progress {
  private readonly bars: cliProgress.MultiBar;
  private bar: cliProgress.SingleBar | null = null;
  private valLoss: number | undefined;

  constructor(private readonly budget: ProgressBudget, stream: NodeJS.WriteStream) {
    this.bars = new cliProgress.MultiBar({
      stream,
      format: `step {step} |{bar}| loss {loss} | val {val} | {rate} ${budget.unit ?? 'tok'}/s | ETA {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
    }, cliProgress.Presets.shades_classic);
  }

  validation(_step: number, loss: number): void {
    this.valLoss = loss;
    this.bar?.update({ val: fmtLoss(loss) });
  }

  update(u: ProgressUpdate): void {
    const { value, total } = position(u, this.budget);
    const payload = { step: u.step, loss: fmtLoss(u.loss), val: fmtLoss(this.valLoss), rate: Math.round(u.itemsPerSecond) };
    if (!this.bar) this.bar = this.bars.create(total, value, payload);
    else { this.bar.setTotal(total); this.bar.update(value, payload); }
  }

  log(text: string): void {
    this.bars.log(text.endsWith('\n') ? text : text + '\n');
  }

  stop(): void {
    this.bars.stop();
  }
}

class LineProgress implements Progress {
  private lastPrint = 0;
  private valLoss: number | undefined;

  constructor(private readonly budget: ProgressBudget, private readonly stream: NodeJS.WriteStream) {}

  validation(step: number, loss: number): void {
    this.valLoss = loss;
    this.stream.write(`step ${step} validation loss ${fmtLoss(loss)}\n`);
  }

  update(u: ProgressUpdate): void {
    const now = Date.now();
    if (now - this.lastPrint < 5000) return;
    this.lastPrint = now;
    const { value, total } = position(u, this.budget);
    const pct = total > 0 ? ` (${Math.min(100, Math.floor((100 * value) / total))}%)` : '';
    this.stream.write(`step ${u.step}${pct} loss ${fmtLoss(u.loss)} val ${fmtLoss(this.valLoss)} ${Math.round(u.itemsPerSecond)} ${this.budget.unit ?? 'tok'}/s ${Math.round(u.elapsedSeconds)}s\n`);
  }

  log(text: string): void {
    this.stream.write(text.endsWith('\n') ? text : text + '\n');
  }

  stop(): void {}
}
