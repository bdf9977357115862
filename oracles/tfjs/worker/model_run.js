// One `run` request: load a layers- or graph-model from memory, predict on float32 inputs, read the
// outputs (and requested intermediate values) back as float32, and clean up so memory stays flat.
'use strict';

// Layer classes whose Keras encoding (TFOpLambda's one-level-shallower inbound_nodes) makes TF.js's
// Container.fromConfig loop forever once the class is registered (tfjs issue #7271).
const kLambdaClasses = new Set(['TFOpLambda', 'SlicingOpLambda', 'Lambda']);

class WorkerError extends Error {
  constructor(kind, message, op) { super(message); this.kind = kind; this.op = op; }
}

// Every layer config in a model config, including nested models and wrapped layers
// (Bidirectional / TimeDistributed keep theirs under config.layer).
function* layerConfigs(cfg) {
  if (!cfg || typeof cfg !== 'object') return;
  const inner = cfg.config || {};
  const layers = Array.isArray(inner) ? inner : inner.layers;  // old Sequential form: config is the list
  if (Array.isArray(layers)) {
    for (const l of layers) {
      if (!l || typeof l !== 'object') continue;
      yield l;
      yield* layerConfigs(l);
    }
  }
  if (inner.layer && typeof inner.layer === 'object') { yield inner.layer; yield* layerConfigs(inner.layer); }
}

// Names an inbound_nodes entry refers to: [name, node, tensor, kwargs] lists at any nesting depth.
function* inboundRefs(x) {
  if (!Array.isArray(x)) return;
  if (typeof x[0] === 'string' && typeof x[1] === 'number') { yield x[0]; return; }
  for (const y of x) yield* inboundRefs(y);
}

// Fails fast, in TF.js's own words, on what would otherwise make the layers loader spin forever: classes
// TF.js has not registered, and inbound references to layers that do not exist.
function precheckLayers(tf, topology) {
  const modelConfig = topology && (topology.model_config || topology);
  if (!modelConfig || typeof modelConfig !== 'object' || !modelConfig.class_name)
    throw new WorkerError('exception', 'modelTopology has no model_config with a class_name');
  const registry = tf.serialization.SerializationMap.getMap().classNameMap;
  const all = [modelConfig, ...layerConfigs(modelConfig)];
  for (const l of all) {
    const cls = l.class_name || l.className;
    if (typeof cls !== 'string' || cls in registry) continue;
    let msg = `Unknown layer: ${cls}. It is not registered in TF.js's serialization registry ` +
      '(parity checked this before tf.loadLayersModel)';
    if (kLambdaClasses.has(cls))
      msg += `; the loader would loop forever on Keras's ${cls} encoding (tfjs issue #7271)`;
    throw new WorkerError('unsupported', msg, cls);
  }
  checkLambdaNodes(all);
  for (const l of [modelConfig, ...layerConfigs(modelConfig)]) {
    const inner = l.config || {};
    if (!Array.isArray(inner.layers)) continue;
    const names = new Set(inner.layers.map(x => x && (x.name || (x.config && x.config.name))));
    for (const x of inner.layers) {
      for (const ref of inboundRefs(x && x.inbound_nodes)) {
        if (!names.has(ref))
          throw new WorkerError('exception', `ValueError: layer '${x.name}' has an inbound node from unknown ` +
            `layer '${ref}' (parity checked this: TF.js's loader would loop forever on it)`);
      }
    }
  }
}

// The TFOpLambda shim a run request may carry (oracles/tfjs/tfoplambda_shim.h): a CommonJS module whose
// export registers a TFOpLambda class given a tf namespace with `layers`. It is registered for that one run
// and removed afterwards, so a request without it sees plain TF.js. Compiled modules are kept by source.
const shimModules = new Map();
function installShim(env, source) {
  if (source === undefined || source === null) return () => {};
  if (typeof source !== 'string') throw new WorkerError('protocol', "run: field 'tfoplambda_shim' must be a string");
  let register = shimModules.get(source);
  if (!register) {
    const mod = { exports: {} };
    try { new Function('module', 'exports', source)(mod, mod.exports); } catch (e) {
      throw new WorkerError('exception', `tfoplambda_shim: ${e && e.name}: ${e && e.message}`);
    }
    if (typeof mod.exports !== 'function') throw new WorkerError('exception', 'tfoplambda_shim: the module exports no function');
    register = mod.exports;
    if (shimModules.size > 64) shimModules.clear();
    shimModules.set(source, register);
  }
  const map = env.tf.serialization.SerializationMap.getMap().classNameMap;
  const before = map.TFOpLambda;
  const facade = Object.create(env.tf);
  facade.layers = env.tfl.layers;
  register(facade);
  return () => { if (before === undefined) delete map.TFOpLambda; else map.TFOpLambda = before; };
}

// Keras writes a TFOpLambda's inbound node one level shallower than other layers' ([name, 0, 0, kwargs]
// instead of [[name, 0, 0, kwargs]]); TF.js's loader would loop forever on it even with the class registered.
function checkLambdaNodes(all) {
  for (const l of all) {
    const cls = l.class_name || l.className;
    if (!kLambdaClasses.has(cls)) continue;
    for (const node of l.inbound_nodes || l.inboundNodes || []) {
      if (Array.isArray(node) && typeof node[0] === 'string')
        throw new WorkerError('unsupported', `Unknown layer: ${cls}. Layer '${l.name}' has Keras's ${cls} ` +
          'inbound_nodes encoding, on which the loader would loop forever (tfjs issue #7271); parity\'s ' +
          'TFOpLambda shim writes the form TF.js reads (--tfoplambda-shim)', cls);
    }
  }
}

// Maps a TF.js exception to a reply: UNSUPPORTED when TF.js says it does not know a layer, op, kernel or
// serializable object (naming it), or has not implemented a feature; ERRORED (exception) otherwise.
function classify(e) {
  if (e instanceof WorkerError) return { kind: e.kind, message: e.message, op: e.op };
  const name = e && e.name ? e.name : 'Error';
  const message = `${name}: ${e && e.message !== undefined ? e.message : String(e)}`;
  let m;
  if ((m = /Unknown layer: ([^\s.]+)/.exec(message))) return { kind: 'unsupported', message, op: m[1] };
  if ((m = /Unknown op '([^']+)'/.exec(message))) return { kind: 'unsupported', message, op: m[1] };
  if ((m = /Kernel '([^']+)' not registered for backend/.exec(message))) return { kind: 'unsupported', message, op: m[1] };
  if ((m = /Unknown (activation|regularizer|initializer|constraint): ([^\s.]+)/.exec(message)))
    return { kind: 'unsupported', message, op: `${m[1]}:${m[2]}` };
  if (name === 'NotImplementedError') return { kind: 'unsupported', message, op: 'NotImplementedError' };
  // Plain Errors for missing cases of an op, e.g. "batchNormalization is not implemented for array of
  // rank 5 yet": a TF.js limitation, named by its op.
  if ((m = /\b([A-Za-z][A-Za-z0-9_]*) is not (?:yet )?implemented\b/.exec(message)))
    return { kind: 'unsupported', message, op: m[1] };
  // "batchToSpaceND for rank > 4 with a WebGL backend not implemented yet": a kernel's missing case.
  if ((m = /\b([A-Za-z][A-Za-z0-9_]*) for [^:]*? not (?:yet )?implemented\b/.exec(message)))
    return { kind: 'unsupported', message, op: m[1] };
  // "GRUCell does not support reset_after parameter set to true.": a layer option TF.js lacks (Keras 2's
  // GRU default), named by the layer.
  if ((m = /^\w+: ([A-Z][A-Za-z0-9]*?)(?:Cell)? does not support\b/.exec(message)))
    return { kind: 'unsupported', message, op: m[1] };
  // "... is not supported by the ELU layer yet", "Dot layer does not support ... yet", "Softmax along a
  // non-last dimension is not yet supported": a missing feature of a layer TF.js has, named by the layer.
  if (/\byet\b/.test(message) && /not (?:yet )?supported|does not support/.test(message)) {
    m = /\b([A-Z][A-Za-z0-9]*) layer\b/.exec(message) || /^\w+: ([A-Z][A-Za-z0-9]*)\b/.exec(message);
    return { kind: 'unsupported', message, op: m ? m[1] : 'unsupported feature' };
  }
  return { kind: 'exception', message };
}

function sliceArrayBuffer(payload, offset, bytes, what) {
  if (!Number.isInteger(offset) || !Number.isInteger(bytes) || offset < 0 || bytes < 0 ||
      offset + bytes > payload.length)
    throw new WorkerError('protocol', `${what}: byte range [${offset}, +${bytes}) is outside the payload`);
  // A copy: aligned for Float32Array and independent of the frame buffer.
  return payload.buffer.slice(payload.byteOffset + offset, payload.byteOffset + offset + bytes);
}

function inputTensors(tf, req, payload) {
  return (req.inputs || []).map((inp, i) => {
    const n = inp.shape.reduce((a, b) => a * b, 1);
    if (inp.bytes !== 4 * n) throw new WorkerError('protocol', `input ${i}: ${inp.bytes} bytes for shape [${inp.shape}]`);
    return tf.tensor(new Float32Array(sliceArrayBuffer(payload, inp.offset, inp.bytes, `input ${i}`)), inp.shape, 'float32');
  });
}

// The float32 bytes of a tensor (other dtypes converted), copied out before the tensor is disposed.
function tensorBytes(t) {
  const d = t.dataSync();
  const f = d instanceof Float32Array ? d : Float32Array.from(d);
  return Buffer.from(new Uint8Array(f.buffer, f.byteOffset, f.byteLength));
}

function ioHandler(model, weightData) {
  const weightSpecs = [];
  for (const group of model.weightsManifest || []) weightSpecs.push(...(group.weights || []));
  const artifacts = {
    modelTopology: model.modelTopology, format: model.format,
    generatedBy: model.generatedBy, convertedBy: model.convertedBy,
  };
  // A model.json without a manifest has no weights: TF.js then runs the layers' initializers (with a
  // manifest it skips them, as the loaded values overwrite them anyway).
  if (model.weightsManifest) Object.assign(artifacts, { weightSpecs, weightData });
  if (model.signature) artifacts.signature = model.signature;
  if (model.userDefinedMetadata) artifacts.userDefinedMetadata = model.userDefinedMetadata;
  return { load: async () => artifacts };
}

// Layers model: one predict through a model whose outputs are the real outputs followed by every
// requested layer's outputs, so intermediates cost no second pass.
async function runLayers(env, req, xs, timing) {
  const { tf, tfl } = env;
  const uninstallShim = installShim(env, req.tfoplambda_shim);
  try {
    precheckLayers(tf, req.model.modelTopology);
    return await predictLayers(env, req, xs, timing);
  } finally { uninstallShim(); }
}

async function predictLayers(env, req, xs, timing) {
  const { tf, tfl } = env;
  let t0 = performance.now();
  const model = await tfl.loadLayersModel(ioHandler(req.model, req.weightData), { strict: true });
  timing.load_ms = performance.now() - t0;
  timing.load_at_ms = performance.timeOrigin + t0;  // when, on the wall clock (for overlap accounting)
  try {
    // Each symbolic tensor is fetched once: a model output requested as an intermediate (the last layer)
    // reuses the output's slot; TF.js cannot have the same tensor twice among a model's outputs.
    const fetch = [...model.outputs];
    const slotOf = st => {
      const i = fetch.indexOf(st);
      if (i >= 0) return i;
      fetch.push(st);
      return fetch.length - 1;
    };
    const inter = [];  // {name, slots}
    const missing = [];
    for (const name of req.intermediates || []) {
      try {
        const layer = model.getLayer(name);
        if (layer.getClassName() === 'InputLayer') { missing.push(name); continue; }
        const out = layer.output;
        inter.push({ name, slots: (Array.isArray(out) ? out : [out]).map(slotOf) });
      } catch { missing.push(name); }
    }
    let runner = model;
    let interError;
    if (fetch.length > model.outputs.length) {
      try { runner = tfl.model({ inputs: model.inputs, outputs: fetch }); } catch (e) {
        interError = classify(e).message;
        inter.length = 0;
        fetch.length = model.outputs.length;
      }
    }
    t0 = performance.now();
    const outs = tf.tidy(() => {
      const r = runner.predictOnBatch(xs.length === 1 ? xs[0] : xs);
      return Array.isArray(r) ? r : [r];
    });
    try {
      await prefetch(env, outs);
      return readResult({ outs, numOutputs: model.outputs.length, inter, missing, interError }, timing, t0);
    } finally { tf.dispose(outs); }
  } finally { model.dispose(); }
}

// Graph model: execute() with the requested value nodes appended to the output names; if TF.js rejects
// those names, run again without them (the outputs still count).
async function runGraph(env, req, xs, timing) {
  const { tf, tfc } = env;
  let t0 = performance.now();
  const model = await tfc.loadGraphModel(ioHandler(req.model, req.weightData));
  timing.load_ms = performance.now() - t0;
  timing.load_at_ms = performance.timeOrigin + t0;  // when, on the wall clock (for overlap accounting)
  try {
    const feed = {};
    (req.input_names || []).forEach((n, i) => { feed[n] = xs[i]; });
    const outNames = req.output_names || [];
    const interNames = req.intermediates || [];
    const exec = names => tf.tidy(() => {
      const r = model.execute(feed, names);
      return Array.isArray(r) ? r : [r];
    });
    let interError;
    let inter = interNames.map((name, i) => ({ name, slots: [outNames.length + i] }));
    t0 = performance.now();
    let outs;
    if (interNames.length) {
      try { outs = exec([...outNames, ...interNames]); } catch (e) {
        const c = classify(e);
        if (c.kind === 'unsupported') throw e;  // the model itself fails: report that
        interError = c.message;
        inter = [];
      }
    }
    if (!outs) { t0 = performance.now(); outs = exec(outNames); }
    try {
      await prefetch(env, outs);
      return readResult({ outs, numOutputs: outNames.length, inter, missing: [], interError }, timing, t0);
    } finally { tf.dispose(outs); }
  } finally { model.dispose(); }
}

// Backends whose synchronous read is unreliable (the browser page sets env.asyncRead for WebGPU, whose
// dataSync goes through a canvas) get every tensor read with await data() first; dataSync then returns
// the values cached by that read. The Node worker never sets it.
async function prefetch(env, outs) {
  if (env.asyncRead) await Promise.all(outs.map(t => t.data()));
}

// Reply header entries and payload buffers: outputs first, then each intermediate's tensors (a tensor
// fetched once is written once, and entries may share its bytes).
function readResult(r, timing, t0) {
  const chunks = [];
  const entries = [];
  let offset = 0;
  const entry = i => {
    if (!entries[i]) {
      const b = tensorBytes(r.outs[i]);
      chunks.push(b);
      entries[i] = { shape: r.outs[i].shape, offset, bytes: b.length };
      offset += b.length;
    }
    return entries[i];
  };
  const outputs = [];
  for (let i = 0; i < r.numOutputs; ++i) outputs.push(entry(i));
  timing.predict_ms = performance.now() - t0;  // predict plus reading the outputs back
  timing.predict_at_ms = performance.timeOrigin + t0;
  const intermediates = r.inter.map(it => ({ name: it.name, tensors: it.slots.map(entry) }));
  const header = { ok: true, outputs, intermediates };
  if (r.missing.length) header.intermediates_missing = r.missing;
  if (r.interError) header.intermediates_error = r.interError;
  return { header, chunks };
}

async function runModel(env, req, payload) {
  const { tf } = env;
  if (!req.model || typeof req.model !== 'object') throw new WorkerError('protocol', "run: field 'model' must be the model.json object");
  const timing = {};
  const w = req.weights || { offset: 0, bytes: 0 };
  req.weightData = sliceArrayBuffer(payload, w.offset, w.bytes, 'weights');
  const xs = inputTensors(tf, req, payload);
  try {
    const format = req.format || (req.model.format === 'graph-model' ? 'graph' : 'layers');
    if (format !== 'layers' && format !== 'graph') throw new WorkerError('protocol', `run: unknown format '${format}'`);
    const t0 = performance.now();
    try {
      const res = await (format === 'layers' ? runLayers(env, req, xs, timing) : runGraph(env, req, xs, timing));
      res.header.timing = timing;
      return res;
    } catch (e) {
      // How long TF.js worked on the model before it rejected or failed it (for overlap accounting).
      if (e && typeof e === 'object') e.parityTiming = { failed_ms: performance.now() - t0, failed_at_ms: performance.timeOrigin + t0 };
      throw e;
    }
  } finally {
    tf.dispose(xs);
    tf.disposeVariables();  // nothing is cached between runs; also frees what a failed load left behind
  }
}

module.exports = { runModel, classify, WorkerError };
