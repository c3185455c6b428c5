import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { loadCharLM } from '../../apps/charlm/load.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { exportOnnx } from '../../io/onnx/export.js';
import { torchConfigOf, torchStateDict } from '../../io/onnx/torch-handoff.js';
import { saveSafetensors } from '../../io/safetensors-file.js';
import { UsageError, choice, positiveInt } from '../options.js';

// `rnnkit export <run>`: the trained model for PyTorch (safetensors + config.json) or for
// ONNX Runtime (.onnx with the config and vocabulary in its metadata).

interface ExportFlags {
  format?: 'safetensors' | 'onnx'; out: string; config?: string; softmax?: boolean;
  opset: number; initialStates?: boolean; seqLen?: number; batch?: number;
}

export function registerExport(program: Command): void {
  program.command('export')
    .description('write a trained model for PyTorch (safetensors + config JSON) or ONNX Runtime (.onnx)')
    .argument('<run>', 'run folder (or checkpoint file) written by rnnkit train')
    .requiredOption('--out <file>', 'output file (model.safetensors or model.onnx)')
    .option('--format <format>', 'safetensors or onnx (default: from the --out extension)', choice('format', ['safetensors', 'onnx']))
    .option('--config <file>', 'safetensors: where to write the config JSON (default: config.json beside --out)')
    .option('--softmax', 'onnx: output probabilities (Softmax over the logits) instead of logits')
    .option('--initial-states', 'onnx: add h0 (and c0) inputs so generation can carry the state between calls')
    .option('--opset <n>', 'onnx: opset version (13..21)', positiveInt('opset', 13), 14)
    .option('--seq-len <n>', 'onnx: fix the sequence length (default: dynamic)', positiveInt('seq-len'))
    .option('--batch <n>', 'onnx: fix the batch size (default: dynamic)', positiveInt('batch'))
    .action((run: string, f: ExportFlags) => {
      const format = f.format ?? (f.out.endsWith('.onnx') ? 'onnx' : f.out.endsWith('.safetensors') ? 'safetensors' : null);
      if (!format) throw new UsageError(`--out ${f.out}: give --format safetensors or --format onnx (the extension says neither)`);
      if (format === 'safetensors' && (f.softmax || f.initialStates || f.seqLen || f.batch)) {
        throw new UsageError('--softmax, --initial-states, --seq-len and --batch apply to --format onnx only');
      }
      if (format === 'onnx' && f.config) throw new UsageError('--config applies to --format safetensors only (ONNX files carry their config in metadata)');
      const { model, vocab } = loadCharLM(run);
      const extra = { rnnkit: { app: 'charlm', config: model.config }, vocabulary: vocab.toJSON() };
      mkdirSync(dirname(f.out) || '.', { recursive: true });
      if (format === 'safetensors') {
        const configPath = f.config ?? join(dirname(f.out), 'config.json');
        const config = torchConfigOf(model, extra);
        saveSafetensors(f.out, torchStateDict(model), { format: 'pt', producer: 'rnnkit' });
        writeFileAtomic(configPath, JSON.stringify(config, null, 2) + '\n');
        process.stdout.write(`wrote ${f.out} (${torchStateDict(model).size} tensors) and ${configPath}\n`);
      } else {
        const bytes = exportOnnx(model, {
          includeSoftmax: f.softmax, initialStates: f.initialStates, opset: f.opset,
          seqLen: f.seqLen ?? 'dynamic', batch: f.batch ?? 'dynamic',
          metadata: { 'rnnkit.config': JSON.stringify(model.config), 'rnnkit.vocabulary': JSON.stringify(vocab.toJSON()) },
        });
        writeFileAtomic(f.out, bytes);
        const inputs = ['ids [T, B] int64', ...(f.initialStates ? [`h0${model.config.cell === 'lstm' ? ', c0' : ''} [${model.config.numLayers}, B, ${model.config.hiddenSize}]`] : [])];
        process.stdout.write(`wrote ${f.out} (${bytes.length} bytes, opset ${f.opset}); inputs: ${inputs.join('; ')}; outputs: ${f.softmax ? 'probs' : 'logits'} [T, B, ${model.config.vocabSize}], h_n${model.config.cell === 'lstm' ? ', c_n' : ''}\n`);
      }
    });
}
