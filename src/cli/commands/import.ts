import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { CharLM, type CharLMConfig, validateCharLMConfig } from '../../apps/charlm/model.js';
import { CHECKPOINT_FILE, type CharLMCheckpointMeta } from '../../apps/charlm/train.js';
import { Vocabulary } from '../../data/vocabulary.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { loadStateDictFile, saveSafetensors } from '../../io/safetensors-file.js';
import { saveCheckpoint } from '../../train/checkpoint.js';
import { Random } from '../../util/random.js';
import { UsageError } from '../options.js';

// `rnnkit import`: a character model trained elsewhere (PyTorch, from `rnnkit export`'s
// config.json and its own model.safetensors) becomes a run folder that sample, eval, export
// and plot read like one trained here.

interface ImportFlags { config?: string; out: string; force?: boolean }

interface ExportedConfig {
  rnnkit?: { app?: string; config?: unknown };
  vocabulary?: unknown;
}

export function registerImport(program: Command): void {
  program.command('import')
    .description('turn weights trained elsewhere (PyTorch state dict as safetensors + config.json from rnnkit export) into a run folder')
    .argument('<weights>', 'model.safetensors with PyTorch names (embedding.weight, rnn.weight_ih_l0, head.weight, ...)')
    .option('--config <file>', 'the config JSON written by rnnkit export (default: config.json beside the weights)')
    .requiredOption('--out <dir>', 'run folder to create')
    .option('--force', 'overwrite a checkpoint already in --out')
    .action((weights: string, f: ImportFlags) => {
      const configPath = f.config ?? join(weights, '..', 'config.json');
      if (!existsSync(weights)) throw new Error(`no such weights file: ${weights}`);
      if (!existsSync(configPath)) throw new Error(`no config JSON at ${configPath}; pass --config (rnnkit export writes one beside the weights)`);
      const ckpt = join(f.out, CHECKPOINT_FILE);
      if (existsSync(ckpt) && !f.force) throw new UsageError(`${f.out} already holds a checkpoint; add --force to overwrite it or choose another --out`);

      let exported: ExportedConfig;
      try {
        exported = JSON.parse(readFileSync(configPath, 'utf8')) as ExportedConfig;
      } catch (e) {
        throw new Error(`${configPath} is not valid JSON: ${(e as Error).message}`);
      }
      if (exported.rnnkit?.app !== 'charlm' || exported.vocabulary === undefined) {
        throw new Error(`${configPath} does not describe a character model (it needs "rnnkit": {"app": "charlm", "config": ...} and "vocabulary", as rnnkit export writes)`);
      }
      const config: CharLMConfig = validateCharLMConfig(exported.rnnkit.config, configPath);
      const vocab = Vocabulary.fromJSON(exported.vocabulary);
      if (vocab.size !== config.vocabSize) throw new Error(`${configPath}: the vocabulary has ${vocab.size} characters but the model expects ${config.vocabSize}`);
      const model = new CharLM(config);
      try {
        model.loadStateDict(loadStateDictFile(weights));
      } catch (e) {
        throw new Error(`${weights} does not fit ${configPath}: ${(e as Error).message}`);
      }

      const meta: Omit<CharLMCheckpointMeta, 'data'> & { data: null } = {
        app: 'charlm', config, vocabulary: vocab.toJSON(), training: { importedFrom: weights }, rng: new Random(0).getState(),
        data: null, step: 0, seconds: 0, history: [],
      };
      try {
        mkdirSync(f.out, { recursive: true });
      } catch (e) {
        throw new Error(`cannot create the run folder ${f.out}: ${(e as Error).message}`);
      }
      saveCheckpoint(ckpt, { model: model.stateDict(), optimizer: null, extra: new Map(), meta });
      saveSafetensors(join(f.out, 'model.safetensors'), model.stateDict(), { format: 'pt', producer: 'rnnkit' });
      writeFileAtomic(join(f.out, 'config.json'), JSON.stringify({ model: config, vocabulary: vocab.toJSON(), training: meta.training }, null, 2) + '\n');
      process.stdout.write(`imported ${weights} into ${f.out} (${model.parameters().length} tensors); try: npx rnnkit sample ${f.out}\n`);
    });
}
