// The gradient lab: vanishing and exploding gradients made visible, and the remedies compared.
export { recordStateGradients, stateGradientNorms, type StateGradientRecord, type Recorded } from './state-grads.js';
export { jacobianNorms, stepJacobians, spectralNorm, frobeniusNorm, type JacobianNorms, type JacobianOptions } from './jacobian.js';
export {
  globalGradNorm, detectExploding, detectVanishing, gradientSummary,
  type ExplodingOptions, type ExplodingReport, type VanishingReport,
} from './detect.js';
export { GradlabModel, CELL_NAMES, predictions, type CellName, type GradlabModelOptions } from './model.js';
export { runExperiment, measureStateGradients, evaluate, type ExperimentOptions, type ExperimentResult } from './experiment.js';
export { runPlan, runSpec, type ExperimentSpec } from './plan.js';
export { resultsTable, resultsSummary, geometricMean, runName } from './report.js';
export { writeGradlabPlots } from './plots.js';
export * from './tasks/index.js';
