// ONNX export and import for recurrent models, and PyTorch hand-off files.
export { exportOnnx, DEFAULT_OPSET, type OnnxExportOptions, type ExportableModel, type RecurrentStack } from './export.js';
export { importOnnx, type ImportedOnnx, type OnnxFeed, type OnnxIO } from './import.js';
export type { ImportedRecurrent } from './recurrent-node.js';
export type { OnnxValue } from './values.js';
export { torchConfigOf, torchStateDict, modelFromTorch, TORCH_CONFIG_FORMAT, type TorchConfig, type TorchImported } from './torch-handoff.js';
