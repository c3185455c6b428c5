// Files: safetensors (PyTorch-compatible weights), ONNX export/import, and atomic writes.
export * from './safetensors.js';
export { saveSafetensors, loadSafetensors, loadStateDictFile } from './safetensors-file.js';
export { writeFileAtomic } from './atomic-write.js';
export * from './onnx/index.js';
