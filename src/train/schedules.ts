// Learning-rate schedules with PyTorch 1.13's semantics (torch.optim.lr_scheduler): constructing
// one sets the optimiser's lr for epoch 0, and step() is called once after each epoch (after
// optimizer.step()), moving to the next epoch's lr. The epoch-based schedules use PyTorch's
// closed forms of the base lr (the optimiser's lr at construction), so lr changes made from
// outside are overwritten at the next step() (PyTorch's chainable forms would build on them).

/** What a schedule needs of an optimiser. */
export interface HasLr { lr: number }

type Hyper = Record<string, number | string | boolean>;

export interface ScheduleState {
  type: string;
  /** Epochs completed: 0 right after construction. */
  lastEpoch: number;
  baseLr: number;
  hyper: Hyper;
  /** LinearWarmup: the state of the schedule it wraps. */
  inner?: ScheduleState;
}

/** A schedule whose lr is a function of the epoch. */
export abstract class LRSchedule<H extends Hyper = Hyper> {
  abstract readonly type: string;
  readonly optimizer: HasLr;
  baseLr: number;
  lastEpoch = -1;
  hyper: H;

  /** The lr of an epoch (PyTorch's _get_closed_form_lr). */
  abstract lrAt(epoch: number): number;

  /** Subclasses call this.step() at the end of their constructor, which applies epoch 0. */
  protected constructor(optimizer: HasLr, hyper: H) {
    this.optimizer = optimizer;
    this.baseLr = optimizer.lr;
    this.hyper = hyper;
  }

  /** Moves to the next epoch and sets the optimiser's lr. */
  step(): void {
    this.lastEpoch++;
    this.optimizer.lr = this.lrAt(this.lastEpoch);
  }

  /** The lr set by the last step() (PyTorch's get_last_lr()). */
  get lastLr(): number { return this.lrAt(this.lastEpoch); }

  stateDict(): ScheduleState {
    return { type: this.type, lastEpoch: this.lastEpoch, baseLr: this.baseLr, hyper: { ...this.hyper } };
  }

  /**
   * Restores epoch, base lr and hyper-parameters. The optimiser's lr is not touched: it comes
   * back with the optimiser's own state, as in PyTorch.
   */
  loadStateDict(state: ScheduleState): void {
    checkState(this.type, state, this.hyper);
    this.lastEpoch = state.lastEpoch;
    this.baseLr = state.baseLr;
    this.hyper = { ...state.hyper } as H;
  }
}

function checkState(type: string, state: ScheduleState, hyper: Hyper): void {
  const where = `${type}.loadStateDict`;
  if (state.type !== type) throw new Error(`${where}: the state is for a ${state.type} schedule`);
  if (!Number.isInteger(state.lastEpoch) || state.lastEpoch < -1) throw new Error(`${where}: lastEpoch is ${state.lastEpoch}, expected an integer >= -1`);
  if (!(typeof state.baseLr === 'number' && state.baseLr >= 0)) throw new Error(`${where}: baseLr is ${state.baseLr}, expected a number >= 0`);
  const own = Object.keys(hyper).sort().join(), theirs = Object.keys(state.hyper ?? {}).sort().join();
  if (own !== theirs) throw new Error(`${where}: hyper-parameters [${theirs}] do not match [${own}]`);
}

function checkPositive(type: string, name: string, v: number, integer = false): void {
  if (!(v > 0) || (integer && !Number.isInteger(v))) throw new Error(`${type}: ${name} must be a positive ${integer ? 'integer' : 'number'}, got ${v}`);
}

/** lr = base · gamma^⌊epoch / stepSize⌋ (torch StepLR; gamma defaults to 0.1). */
export class StepLR extends LRSchedule<{ stepSize: number; gamma: number }> {
  readonly type = 'StepLR';
  constructor(optimizer: HasLr, opts: { stepSize: number; gamma?: number }) {
    super(optimizer, { stepSize: opts.stepSize, gamma: opts.gamma ?? 0.1 });
    checkPositive('StepLR', 'stepSize', opts.stepSize, true);
    this.step();
  }
  lrAt(epoch: number): number {
    return this.baseLr * this.hyper.gamma ** Math.floor(epoch / this.hyper.stepSize);
  }
}

/** lr = base · gamma^epoch (torch ExponentialLR). */
export class ExponentialLR extends LRSchedule<{ gamma: number }> {
  readonly type = 'ExponentialLR';
  constructor(optimizer: HasLr, opts: { gamma: number }) {
    super(optimizer, { gamma: opts.gamma });
    this.step();
  }
  lrAt(epoch: number): number {
    return this.baseLr * this.hyper.gamma ** epoch;
  }
}

/**
 * lr = etaMin + (base - etaMin)(1 + cos(π·epoch / tMax)) / 2 (torch CosineAnnealingLR, etaMin
 * defaults to 0). Past tMax it rises again, with period 2·tMax, as PyTorch's does.
 */
export class CosineAnnealingLR extends LRSchedule<{ tMax: number; etaMin: number }> {
  readonly type = 'CosineAnnealingLR';
  constructor(optimizer: HasLr, opts: { tMax: number; etaMin?: number }) {
    super(optimizer, { tMax: opts.tMax, etaMin: opts.etaMin ?? 0 });
    checkPositive('CosineAnnealingLR', 'tMax', opts.tMax);
    this.step();
  }
  lrAt(epoch: number): number {
    const { tMax, etaMin } = this.hyper;
    return etaMin + (this.baseLr - etaMin) * (1 + Math.cos(Math.PI * epoch / tMax)) / 2;
  }
}

export interface LinearWarmupOptions {
  /** Epochs (step() calls) until the factor reaches 1. */
  warmupSteps: number;
  /** Factor at epoch 0, in (0, 1]; default 1/3 like torch LinearLR. */
  startFactor?: number;
  /** A schedule to multiply: construct it on the same optimiser first. */
  after?: LRSchedule;
}

/**
 * Linear warm-up, torch LinearLR with end_factor 1:
 *   factor(epoch) = startFactor + (1 - startFactor) · min(epoch, warmupSteps) / warmupSteps.
 * Alone: lr = base · factor. Wrapping another schedule: lr = after.lrAt(epoch) · factor, which is
 * what torch's ChainedScheduler([LinearLR(...), after]) gives (for after = CosineAnnealingLR
 * when its etaMin is 0); the wrapped schedule keeps counting epochs from 0, not from the end of
 * the warm-up.
 */
export class LinearWarmup extends LRSchedule<{ warmupSteps: number; startFactor: number }> {
  readonly type = 'LinearWarmup';
  readonly after: LRSchedule | undefined;

  constructor(optimizer: HasLr, opts: LinearWarmupOptions) {
    super(optimizer, { warmupSteps: opts.warmupSteps, startFactor: opts.startFactor ?? 1 / 3 });
    checkPositive('LinearWarmup', 'warmupSteps', opts.warmupSteps, true);
    const s = this.hyper.startFactor;
    if (!(s > 0 && s <= 1)) throw new Error(`LinearWarmup: startFactor must be in (0, 1], got ${s}`);
    if (opts.after && opts.after.optimizer !== optimizer) throw new Error('LinearWarmup: the wrapped schedule drives another optimiser');
    this.after = opts.after;
    if (this.after) this.baseLr = this.after.baseLr;
    this.step();
  }

  factorAt(epoch: number): number {
    const { warmupSteps, startFactor } = this.hyper;
    return startFactor + (1 - startFactor) * Math.min(epoch, warmupSteps) / warmupSteps;
  }

  lrAt(epoch: number): number {
    return (this.after ? this.after.lrAt(epoch) : this.baseLr) * this.factorAt(epoch);
  }

  override step(): void {
    if (this.after) this.after.lastEpoch = this.lastEpoch + 1;
    super.step();
  }

  override stateDict(): ScheduleState {
    const state = super.stateDict();
    if (this.after) state.inner = this.after.stateDict();
    return state;
  }

  override loadStateDict(state: ScheduleState): void {
    if (!!state.inner !== !!this.after) {
      throw new Error(`LinearWarmup.loadStateDict: the state ${state.inner ? 'wraps' : 'does not wrap'} another schedule, this one ${this.after ? 'does' : 'does not'}`);
    }
    checkState(this.type, state, this.hyper);
    if (this.after && state.inner) this.after.loadStateDict(state.inner);
    super.loadStateDict(state);
  }
}

export interface ReduceLROnPlateauOptions {
  /** 'min' (default): lower is better (a loss); 'max': higher is better (an accuracy). */
  mode?: 'min' | 'max';
  /** new lr = lr · factor; default 0.1. */
  factor?: number;
  /** Epochs without improvement tolerated before reducing; default 10. */
  patience?: number;
  /** Default 1e-4. */
  threshold?: number;
  /** 'rel' (default): better than best·(1 ∓ threshold); 'abs': better than best ∓ threshold. */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting bad epochs again; default 0. */
  cooldown?: number;
  /** Lower bound of the lr; default 0. */
  minLr?: number;
  /** Reductions smaller than this are skipped; default 1e-8. */
  eps?: number;
}

export interface PlateauState {
  type: 'ReduceLROnPlateau';
  lastEpoch: number;
  /** Best metric so far; null before the first step() (PyTorch's ±inf, which JSON cannot hold). */
  best: number | null;
  numBadEpochs: number;
  cooldownCounter: number;
  hyper: Required<ReduceLROnPlateauOptions>;
}

/** torch ReduceLROnPlateau: step(metric) after each epoch; lr shrinks when the metric stalls. */
export class ReduceLROnPlateau {
  readonly type = 'ReduceLROnPlateau';
  readonly optimizer: HasLr;
  hyper: Required<ReduceLROnPlateauOptions>;
  lastEpoch = 0;
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;

  constructor(optimizer: HasLr, opts: ReduceLROnPlateauOptions = {}) {
    this.optimizer = optimizer;
    this.hyper = { mode: opts.mode ?? 'min', factor: opts.factor ?? 0.1, patience: opts.patience ?? 10,
      threshold: opts.threshold ?? 1e-4, thresholdMode: opts.thresholdMode ?? 'rel', cooldown: opts.cooldown ?? 0,
      minLr: opts.minLr ?? 0, eps: opts.eps ?? 1e-8 };
    const h = this.hyper;
    if (h.mode !== 'min' && h.mode !== 'max') throw new Error(`ReduceLROnPlateau: mode must be 'min' or 'max', got '${h.mode}'`);
    if (h.thresholdMode !== 'rel' && h.thresholdMode !== 'abs') throw new Error(`ReduceLROnPlateau: thresholdMode must be 'rel' or 'abs', got '${h.thresholdMode}'`);
    if (!(h.factor < 1)) throw new Error(`ReduceLROnPlateau: factor must be < 1, got ${h.factor}`);
    this.best = this.worst();
  }

  get lastLr(): number { return this.optimizer.lr; }

  /** Records the epoch's metric (validation loss, say) and reduces the lr after `patience` bad epochs. */
  step(metric: number): void {
    this.lastEpoch++;
    if (this.isBetter(metric)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs++;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.hyper.patience) {
      const old = this.optimizer.lr;
      const next = Math.max(old * this.hyper.factor, this.hyper.minLr);
      if (old - next > this.hyper.eps) this.optimizer.lr = next;
      this.cooldownCounter = this.hyper.cooldown;
      this.numBadEpochs = 0;
    }
  }

  stateDict(): PlateauState {
    return { type: this.type, lastEpoch: this.lastEpoch, best: Number.isFinite(this.best) ? this.best : null,
      numBadEpochs: this.numBadEpochs, cooldownCounter: this.cooldownCounter, hyper: { ...this.hyper } };
  }

  loadStateDict(state: PlateauState): void {
    const where = 'ReduceLROnPlateau.loadStateDict';
    if (state.type !== this.type) throw new Error(`${where}: the state is for a ${state.type} schedule`);
    for (const k of ['lastEpoch', 'numBadEpochs', 'cooldownCounter'] as const) {
      if (!Number.isInteger(state[k]) || state[k] < 0) throw new Error(`${where}: ${k} is ${state[k]}, expected an integer >= 0`);
    }
    const own = Object.keys(this.hyper).sort().join(), theirs = Object.keys(state.hyper ?? {}).sort().join();
    if (own !== theirs) throw new Error(`${where}: hyper-parameters [${theirs}] do not match [${own}]`);
    this.hyper = { ...state.hyper };
    this.lastEpoch = state.lastEpoch;
    this.best = state.best ?? this.worst();
    this.numBadEpochs = state.numBadEpochs;
    this.cooldownCounter = state.cooldownCounter;
  }

  private worst(): number {
    return this.hyper.mode === 'min' ? Infinity : -Infinity;
  }

  private isBetter(a: number): boolean {
    const { mode, thresholdMode, threshold } = this.hyper;
    if (mode === 'min') return thresholdMode === 'rel' ? a < this.best * (1 - threshold) : a < this.best - threshold;
    return thresholdMode === 'rel' ? a > this.best * (threshold + 1) : a > this.best + threshold;
  }
}
