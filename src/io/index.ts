// Files: safetensors (PyTorch-compatible weights) and atomic writes.
export * from './safetensors.js';
export { saveSafetensors, loadSafetensors, loadStateDictFile } from './safetensors-file.js';
export { writeFileAtomic } from './atomic-write.js';
