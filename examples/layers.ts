// The README's layer example: one training step of a bidirectional LSTM tagger.
// Run: npm run build && node dist/examples/layers.js
import { LSTM, Linear, Tensor, Adam, crossEntropy, backward, clipGradNorm } from '../src/index.js';

const lstm = new LSTM({ inputSize: 8, hiddenSize: 32, numLayers: 2, bidirectional: true, batchFirst: true });
const head = new Linear({ inFeatures: 64, outFeatures: 3 });
const opt = new Adam([...lstm.parameters(), ...head.parameters()], { lr: 1e-3 });

const x = Tensor.zeros([4, 10, 8]);                                   // [B, T, I]
const { output, hN } = lstm.forward(x, { lengths: [10, 7, 3, 10] }); // output [B, T, 64], hN [4, B, 32]
const loss = crossEntropy(head.forward(output), new Int32Array(40));  // classes on the last dimension
opt.zeroGrad();
backward(loss);
clipGradNorm(opt.params, 5);
opt.step();
console.log(`output ${output.shape}, hN ${hN.shape}, loss ${loss.item().toFixed(4)}`);
