import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { setBackend } from '../../src/kernels/backend.js';
import { LSTM } from '../../src/nn/rnn.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { Random } from '../../src/util/random.js';

// The wasm backend in a real browser: headless Chromium (Debian's `chromium`, driven by
// playwright-core; .ci/run installs it) loads the built ES modules from dist/ over http with the
// cross-origin isolation headers, runs one LSTM forward on the wasm kernels (one thread, then
// two threads on Web Workers) and must match the js reference computed here in Node.

const CHROMIUM = '/usr/bin/chromium';
const DIST = fileURLToPath(new URL('../../', import.meta.url));
const T = 5, B = 3, I = 4, H = 8;

// Both sides build the same LSTM and input from the same seeds.
const PAGE = `<!doctype html><meta charset="utf-8"><script type="module">
import { initWasm, startThreads, wasmFileName, wasmKernels } from '/src/kernels/wasm/index.js';
import { setBackend } from '/src/kernels/backend.js';
import { LSTM } from '/src/nn/rnn.js';
import { Tensor } from '/src/tensor/tensor.js';
import { Random } from '/src/util/random.js';
try {
  await initWasm();
  setBackend('wasm');
  const forward = () => {
    const m = new LSTM({ inputSize: ${I}, hiddenSize: ${H}, rng: new Random(3) });
    const x = Tensor.zeros([${T}, ${B}, ${I}], 'float32', false), rng = new Random(7);
    for (let i = 0; i < x.size; i++) x.data[i] = rng.uniform(-1, 1);
    return Array.from(m.forward(x).output.data);
  };
  const one = forward();
  const threads = await startThreads(2);
  const two = forward();
  window.smoke = { one, two, threads, file: wasmFileName(), isolated: crossOriginIsolated };
} catch (e) {
  window.smoke = { error: String(e && e.stack || e) };
}
</script>`;

function reference(): Float32Array {
  setBackend('js');
  const m = new LSTM({ inputSize: I, hiddenSize: H, rng: new Random(3) });
  const x = Tensor.zeros([T, B, I], 'float32', false), rng = new Random(7);
  for (let i = 0; i < x.size; i++) x.data[i] = rng.uniform(-1, 1);
  return m.forward(x).output.data as Float32Array;
}

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.map': 'application/json' };

// dist/ over http, with COOP/COEP so that the page may use SharedArrayBuffer (wasm threads).
function serveDist(): Promise<Server> {
  const server = createServer((req, res) => {
    const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (path === '/smoke.html') { res.writeHead(200, { ...headers, 'Content-Type': 'text/html' }).end(PAGE); return; }
    const file = normalize(join(DIST, path));
    if (!file.startsWith(DIST) || !existsSync(file)) { res.writeHead(404, headers).end(); return; }
    res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

interface Smoke { one?: number[]; two?: number[]; threads?: number; file?: string; isolated?: boolean; error?: string }

test('browser: the wasm backend runs an LSTM forward in headless Chromium like the js reference', {
  skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install chromium; .ci/run installs it)`,
  timeout: 90_000,
}, async () => {
  const expected = reference();
  const { chromium } = await import('playwright-core');
  const server = await serveDist();
  const profile = mkdtempSync(join(tmpdir(), 'rnnkit-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/smoke.html`);
    await page.waitForFunction(() => (window as { smoke?: unknown }).smoke !== undefined, undefined, { timeout: 60_000 });
    const smoke = await page.evaluate(() => (window as unknown as { smoke: Smoke }).smoke);
    assert.equal(smoke.error, undefined, `the page failed: ${smoke.error} ${errors.join('; ')}`);
    assert.equal(smoke.isolated, true, 'the page is not cross-origin isolated');
    assert.match(smoke.file!, /^rnnkit(-relaxed)?-threads\.wasm$/);
    assert.equal(smoke.threads, 2);
    assert.equal(smoke.one!.length, expected.length);
    for (let i = 0; i < expected.length; i++) {
      assert.ok(Math.abs(smoke.one![i] - expected[i]) <= 1e-5, `output[${i}]: browser wasm ${smoke.one![i]}, js reference ${expected[i]}`);
    }
    assert.deepEqual(smoke.two, smoke.one, 'two threads (Web Workers) differ from one');
  } finally {
    await context.close();
    server.close();
    rmSync(profile, { recursive: true, force: true });
  }
});
