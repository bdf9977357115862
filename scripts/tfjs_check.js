#!/usr/bin/env node
// Loads TF.js model files (layers-model or graph-model, as parity's converter writes them) in real TF.js,
// runs them on given inputs and writes the outputs in parity's tensor JSON form.
//
//   tfjs_check.js MODEL_DIR INPUTS.json OUT.json [--backend cpu|wasm] [--outputs NAME,...] [--weights]
//   tfjs_check.js --batch JOBS.json [--backend cpu|wasm]
//
// INPUTS.json is {"inputs": [{name, shape, dtype, data}]}: layers-models take them in model input order
// (by name when every name is an input layer's), graph-models by name (Placeholder node names).
// OUT.json is {"format", "backend", "outputs": [...]} and, with --weights, "weights": the model's weights
// as TF.js decoded them (dequantized). A model TF.js rejects gives {"error": "<TF.js's message>"} and, in
// single mode, exit status 1. --outputs names graph-model nodes to fetch (intermediates too); the default
// is the model's outputs. JOBS.json is {"jobs": [{"model_dir", "inputs", "out", "outputs"?, "weights"?}]}:
// many models in one process (node + TF.js start-up costs ~200 ms; a load + run ~1 ms).
// TF.js comes from oracles/tfjs/worker/node_modules (or $PARITY_TFJS_DIR), through Node's own resolution.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const tfjsEnv = require('../oracles/tfjs/worker/tfjs_env.js');

const tfjsDir = path.resolve(process.env.PARITY_TFJS_DIR || path.join(__dirname, '..', 'oracles', 'tfjs', 'worker'));

// tfjs_env.js loads tfjs-core + the backend + layers + converter from that tree and installs tfjs-core's
// chained tensor methods (t.flatten(), used by some initializers) portably (Node 18 and 20).
async function loadTfjs(backend) {
  const { tf, tfl, tfc } = await tfjsEnv.loadTfjs(tfjsDir, backend);
  return { tf, tfl, tfc };
}

// An IOHandler over model.json and its shards: weight groups' bytes concatenated in manifest order.
function fileHandler(dir) {
  return {
    load: async () => {
      const mj = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
      const specs = [], bufs = [];
      for (const g of mj.weightsManifest || []) {
        for (const p of g.paths) bufs.push(fs.readFileSync(path.join(dir, p)));
        specs.push(...g.weights);
      }
      const b = Buffer.concat(bufs);
      return {
        modelTopology: mj.modelTopology, format: mj.format, generatedBy: mj.generatedBy, convertedBy: mj.convertedBy,
        signature: mj.signature, userDefinedMetadata: mj.userDefinedMetadata, weightSpecs: specs,
        weightData: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength),
      };
    },
  };
}

function toJsonNumber(v) {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return v;
}

function tensorEntry(name, t) {
  return { name, shape: t.shape, dtype: t.dtype, data: Array.from(t.dataSync(), toJsonNumber) };
}

async function runOne(env, job) {
  const { tf, tfl, tfc } = env;
  const dir = job.model_dir;
  const format = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')).format;
  const given = JSON.parse(fs.readFileSync(job.inputs, 'utf8')).inputs;
  const inputs = given.map(e => tf.tensor(e.data.map(Number), e.shape, 'float32'));
  const result = { format, backend: tf.getBackend() };
  try {
    if (format === 'graph-model') {
      const model = await tfc.loadGraphModel(fileHandler(dir));
      const feed = {};
      given.forEach((e, i) => { feed[e.name] = inputs[i]; });
      const names = job.outputs || model.outputNodes;
      const outs = model.execute(feed, names);
      const list = Array.isArray(outs) ? outs : [outs];
      result.outputs = list.map((t, i) => tensorEntry(names[i], t));
      if (job.weights) result.weights = Object.entries(model.weights).map(([n, ts]) => tensorEntry(n, ts[0]));
      tf.dispose(list);
      model.dispose();
    } else {
      const model = await tfl.loadLayersModel(fileHandler(dir));
      const layerNames = model.inputLayers.map(l => l.name);
      const byName = given.every(e => layerNames.includes(e.name)) && given.length === layerNames.length;
      const ordered = byName ? layerNames.map(n => inputs[given.findIndex(e => e.name === n)]) : inputs;
      const outs = model.predict(ordered.length === 1 ? ordered[0] : ordered);
      const list = Array.isArray(outs) ? outs : [outs];
      // A layer with several outputs (return_state, Bidirectional merge_mode None) names them 'x', 'x:1', ...
      // as parity and the worker do.
      const outName = i => {
        const layer = model.outputLayers[i];
        if (!layer) return `output_${i}`;
        const k = (model.outputLayersTensorIndices || [])[i] || 0;
        return k > 0 ? `${layer.name}:${k}` : layer.name;
      };
      result.outputs = list.map((t, i) => tensorEntry(outName(i), t));
      if (job.weights) result.weights = model.weights.map(w => tensorEntry(w.originalName, w.read()));
      tf.dispose(list);
      model.dispose();
    }
  } catch (e) {
    delete result.outputs;
    result.error = String(e && e.message !== undefined ? `${e.name || 'Error'}: ${e.message}` : e).slice(0, 2000);
  } finally {
    tf.dispose(inputs);
  }
  fs.writeFileSync(job.out, JSON.stringify(result) + '\n');
  return result;
}

function parseArgs(argv) {
  const opt = { backend: 'cpu', positional: [] };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    if (a === '--backend') opt.backend = argv[++i];
    else if (a === '--batch') opt.batch = argv[++i];
    else if (a === '--outputs') opt.outputs = argv[++i].split(',');
    else if (a === '--weights') opt.weights = true;
    else if (a.startsWith('-')) throw new Error(`unknown option ${a}`);
    else opt.positional.push(a);
  }
  if (!['cpu', 'wasm'].includes(opt.backend)) throw new Error(`--backend must be cpu or wasm, got ${opt.backend}`);
  if (opt.batch ? opt.positional.length !== 0 : opt.positional.length !== 3) throw new Error('wrong number of arguments');
  return opt;
}

async function main() {
  let opt;
  try {
    opt = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`tfjs_check: ${e.message}\nusage: tfjs_check.js MODEL_DIR INPUTS.json OUT.json [--backend cpu|wasm] ` +
                         '[--outputs NAME,...] [--weights]\n       tfjs_check.js --batch JOBS.json [--backend cpu|wasm]\n');
    process.exit(2);
  }
  const env = await loadTfjs(opt.backend);
  if (opt.batch) {
    const jobs = JSON.parse(fs.readFileSync(opt.batch, 'utf8')).jobs;
    for (const job of jobs) await runOne(env, job);
    return;
  }
  const [model_dir, inputs, out] = opt.positional;
  const r = await runOne(env, { model_dir, inputs, out, outputs: opt.outputs, weights: opt.weights });
  if (r.error) {
    process.stderr.write(`tfjs_check: ${r.error}\n`);
    process.exit(1);
  }
}

main().catch(e => {
  process.stderr.write(`tfjs_check: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
