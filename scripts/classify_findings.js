#!/usr/bin/env node
// Maps every DIVERGED / ERRORED row of a `parity run` directory to a documented TF.js finding
// (docs/findings-tfjs-4.22.md) by the ops and attributes in its case, and prints the rows it cannot map.
//
//   node scripts/classify_findings.js RUN_DIR        exit 0 when every row maps, 1 otherwise
//   node scripts/classify_findings.js RUN_DIR --rows  also print each row with the findings it maps to
//
// A row maps to a finding when its case holds the finding's trigger (an op with the attributes that
// TF.js mishandles) on the executor's backend. A DIVERGED row's first divergent node must be a trigger
// node; an ERRORED row needs a shape-changing or throwing trigger anywhere in the graph, or a message
// that names the finding (TF.js fails while building the model, so there is no first node).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const nz = v => Array.isArray(v) ? v.some(x => x !== 0) : v !== 0 && v != null;
const notOnes = v => Array.isArray(v) && v.some(x => x !== 1);
const cf = a => a.data_format === 'channels_first';
// Each finding: id, backends it shows on, and a predicate on a node (op, attrs, graph). `errors`: TF.js
// throws (cannot explain a DIVERGED row); `valuesOnly`: shapes stay right (cannot explain an ERRORED row).
const kFindings = [
  { id: 'relu-slope-threshold', valuesOnly: true, on: n => n.op === 'ReLU' && (nz(n.attrs.negative_slope) || nz(n.attrs.threshold)) },
  { id: 'global-pool-keepdims', on: n => /^Global(Average|Max)Pooling[12]D$/.test(n.op) && n.attrs.keepdims === true },
  { id: 'global-pool1d-channels-first', on: n => /^Global(Average|Max)Pooling1D$/.test(n.op) && cf(n.attrs) },
  { id: 'pool1d-channels-first', on: n => /^(Average|Max)Pooling1D$/.test(n.op) && cf(n.attrs) },
  { id: 'conv1d-channels-first', on: n => n.op === 'Conv1D' && cf(n.attrs) },
  { id: 'conv2d-transpose-output-padding', on: n => n.op === 'Conv2DTranspose' && n.attrs.output_padding != null },
  { id: 'conv2d-transpose-dilation', on: n => n.op === 'Conv2DTranspose' && notOnes(n.attrs.dilation_rate) },
  { id: 'depthwise-dilation', on: n => n.op === 'DepthwiseConv2D' && notOnes(n.attrs.dilation_rate) },
  // Bias and activation are applied to the still-NHWC result: the bias along H, softmax over channels.
  { id: 'separable-channels-first', on: n => n.op === 'SeparableConv2D' && cf(n.attrs) &&
      (n.attrs.use_bias !== false || /softmax/.test(n.attrs.activation || '')) },
  { id: 'upsampling-bilinear', valuesOnly: true, on: n => n.op === 'UpSampling2D' && n.attrs.interpolation === 'bilinear' },
  { id: 'batchnorm-non-last-axis', valuesOnly: true, on: (n, g) => n.op === 'BatchNormalization' && bnNonLast(n, g) },
  { id: 'batchnorm-negative-axis-list', errors: true, on: n => n.op === 'BatchNormalization' && Array.isArray(n.attrs.axis) && n.attrs.axis.some(a => a < 0) },
  { id: 'merge-same-tensor-twice', errors: true, on: (n, g) => dupInputShared(n, g) },
  { id: 'concatenate-negative-axis', on: n => n.op === 'Concatenate' && n.attrs.axis < -1 },
  { id: 'reshape-unknown-dim', errors: true, on: n => n.op === 'Reshape' && (n.attrs.target_shape || []).some(d => d < 0) },
  { id: 'conv1d-causal-shape', on: n => n.op === 'Conv1D' && n.attrs.padding === 'causal' },
  { id: 'conv-groups', errors: true, on: n => /^Conv[12]D$/.test(n.op) && n.attrs.groups > 1 },
  { id: 'wasm-same-padding-uncovered', backends: ['wasm'], valuesOnly: true, on: (n, g) => sameUncovered(n, g) },
  { id: 'wasm-prelu-shared-axes', backends: ['wasm'], valuesOnly: true, on: (n, g) => n.op === 'PReLU' && preluInnerShared(n, g) },
  { id: 'matmul-batch-broadcast', valuesOnly: true, on: (n, g) => n.op === 'tf.linalg.matmul' && matmulInnerBroadcast(n, g) },
  { id: 'wasm-sign-near-zero', backends: ['wasm'], valuesOnly: true, on: n => n.op === 'tf.math.sign' },
  { id: 'erf-cpu', backends: ['cpu'], valuesOnly: true, on: n => n.op === 'tf.math.erf' || (n.attrs && n.attrs.activation === 'gelu') },
  { id: 'log1p-wasm', backends: ['wasm'], valuesOnly: true, on: n => n.op === 'tf.math.log1p' },
  // Findings 26-28: Keras masks (Masking, Embedding mask_zero) meeting TF.js's mask handling.
  { id: 'bidirectional-mask-zero-output', valuesOnly: true, on: (n, g) => n.op === 'Bidirectional' &&
      n.attrs.layer && n.attrs.layer.config && n.attrs.layer.config.return_sequences === true && kerasMasked(g).has(n.inputs[0]) },
  { id: 'merge-mask-expanded', on: (n, g) => (isMaskUser(n) || isMaskCombiner(n)) && mergedMaskReaches(n, g) },
  { id: 'mask-leak', on: (n, g) => isMaskUser(n) && maskLeaksTo(n, g) },
  // Findings 29-39: the TF-op families (graph-models).
  { id: 'one-hot-axis', on: (n, g) => n.op === 'tf.one_hot' && n.attrs.axis !== -1 && n.attrs.axis !== rankOf(g, n.inputs[0]) },
  { id: 'wasm-one-hot-float', backends: ['wasm'], valuesOnly: true, on: n => n.op === 'tf.one_hot' &&
      (n.attrs.on_value !== 0 || n.attrs.off_value !== 0) },
  { id: 'band-part-num-upper', valuesOnly: true, on: n => n.op === 'tf.linalg.band_part' && n.attrs.num_lower !== n.attrs.num_upper },
  { id: 'pool3d-same-negative-padding', valuesOnly: true, on: (n, g) => pool3dNegativePad(n, g) },
  { id: 'wasm-max-pool3d-flt-min', backends: ['wasm'], valuesOnly: true, on: n => n.op === 'tf.nn.max_pool3d' },
  { id: 'ensure-shape', errors: true, on: n => n.op === 'tf.ensure_shape' },
  { id: 'euclidean-norm-axes', errors: true, on: n => n.op === 'tf.math.reduce_euclidean_norm' &&
      Array.isArray(n.attrs.axis) && (n.attrs.axis.length === 0 || n.attrs.axis.length > 2) },
  // cpu's FloorDiv returns int32: values wrap or lose inf/NaN, and float-only ops after it throw.
  { id: 'cpu-floordiv-int32', backends: ['cpu'], on: n => n.op === 'tf.math.floordiv' },
  { id: 'wasm-cast-bool', backends: ['wasm'], valuesOnly: true, on: n => n.op === 'tf.cast' && n.attrs.dtype === 'bool' },
  { id: 'cumsum-negative-axis', errors: true, on: n => /^tf\.math\.cum(sum|prod)$/.test(n.op) && n.attrs.axis < 0 },
  { id: 'resize-nearest-float32', backends: ['cpu'], valuesOnly: true, on: (n, g) => nearestDoubleDiffers(n, g) },
  { id: 'wasm-same-padding-uncovered', backends: ['wasm'], valuesOnly: true, on: (n, g) => tfConvSameUncovered(n, g) },
  // StridedSlice's general (strided) path is given the output shape without the shrunk axes.
  { id: 'strided-slice-shrink-stride', on: n => n.op === 'tf.strided_slice' && n.attrs.shrink_axis_mask > 0 &&
      n.attrs.strides.some((s, i) => s !== 1 && !(n.attrs.new_axis_mask & (1 << i))) },
  // Dense's unfused bias add (any activation but linear, relu, elu) reshapes the bias for ranks <= 5 only.
  { id: 'dense-bias-rank6', errors: true, on: (n, g) => n.op === 'Dense' && n.attrs.use_bias !== false &&
      !['linear', 'relu', 'elu', undefined, null].includes(n.attrs.activation) && rankOf(g, n.inputs[0]) >= 6 },
  // Not a TF.js finding: Keras itself cannot build this Concatenate (its compute_mask concatenates a [.., 1]
  // mask with an unmasked input's [.., F] ones on a non-last axis and raises); parity keeps the graph and
  // drops the mask (oracles/ref/masks.h), TF.js raises like Keras.
  { id: 'keras-refuses-concat-mask', errors: true, on: (n, g) => n.op === 'Concatenate' && kerasConcatMaskFails(n, g) },
];
// ERRORED messages that name a finding: such a row is that finding's, and needs its trigger in the graph.
const kMessages = [
  { id: 'batchnorm-negative-axis-list', re: /Axis -\d{2,} of input tensor should have a defined dimension/ },
  { id: 'merge-same-tensor-twice', re: /reading 'backend'|Tensor is disposed/ },
  { id: 'merge-mask-expanded', re: /passed to 'logicalAnd' must be a Tensor/ },
  { id: 'ensure-shape', re: /reading 'split'/ },
  { id: 'euclidean-norm-axes', re: /Error in norm: invalid axis/ },
  { id: 'cpu-floordiv-int32', re: /must be float32 tensor, but got int32 tensor/ },
];

// An int, a list of one, of nsp, or of nsp + 2 (batch and channel entries) ints, as TF's strides/ksize.
function spatial(v, nsp) {
  if (v == null) return Array(nsp).fill(1);
  if (!Array.isArray(v)) return Array(nsp).fill(v);
  if (v.length === 1) return Array(nsp).fill(v[0]);
  return v.length === nsp + 2 ? v.slice(1, -1) : v;
}
// TF.js's 3-D 'same' padding (conv_util get3DPadAndOutInfo) is (out-1)*s + k - in without TF's max(0, .):
// negative when the windows end before the input does, which shifts every window.
function pool3dNegativePad(n, g) {
  if (!/^tf\.nn\.(max|avg)_pool3d$/.test(n.op) || n.attrs.padding !== 'SAME') return false;
  const s = valueShape(g, n.inputs[0]);
  if (!s) return false;
  const sp = n.attrs.data_format === 'NCDHW' ? s.slice(2) : s.slice(1, 4);
  const k = spatial(n.attrs.ksize, 3), st = spatial(n.attrs.strides, 3);
  return sp.some((len, i) => (Math.ceil(len / st[i]) - 1) * st[i] + k[i] - len < 0);
}
// Finding 19 for the TF convolutions: 'SAME' whose windows end before the input's end.
function tfConvSameUncovered(n, g) {
  if (!/^tf\.nn\.(conv2d|depthwise_conv2d|separable_conv2d|convolution)$/.test(n.op) || n.attrs.padding !== 'SAME') return false;
  const s = valueShape(g, n.inputs[0]);
  const w = (n.weights || [])[0];
  if (!s || s.length !== 4 || !w) return false;
  const k = w.shape.slice(0, 2), st = spatial(n.attrs.strides, 2), d = spatial(n.attrs.dilations, 2);
  return s.slice(1, 3).some((len, i) => (Math.ceil(len / st[i]) - 1) * st[i] + (k[i] - 1) * d[i] + 1 < len);
}
// Nearest-neighbour resize: TF computes the source index in float32 (resize_nearest_neighbor_op.cc),
// TF.js cpu in double; true when the two pick a different source row or column for these sizes.
function nearestDoubleDiffers(n, g) {
  let align = false, half = true;
  if (n.op === 'tf.image.resize') { if (n.attrs.method !== 'nearest') return false; }
  else if (n.op === 'tf.compat.v1.image.resize_nearest_neighbor') { align = !!n.attrs.align_corners; half = !!n.attrs.half_pixel_centers; }
  else return false;
  const s = valueShape(g, n.inputs[0]);
  if (!s) return false;
  const f = Math.fround;
  return [0, 1].some(i => {
    const inn = s[1 + i], out = n.attrs.size[i], ac = align && out > 1;
    const s32 = f(f(ac ? inn - 1 : inn) / f(ac ? out - 1 : out)), s64 = (ac ? inn - 1 : inn) / (ac ? out - 1 : out);
    for (let r = 0; r < out; ++r) {
      const a = half ? f((r + 0.5) * s32) : f(r * s32), b = half ? s64 * (r + 0.5) : s64 * r;
      let ia = Math.min(align ? Math.floor(a + 0.5) : Math.floor(a), inn - 1);
      let ib = Math.min(align ? Math.round(b) : Math.floor(b), inn - 1);
      if (half) { ia = Math.max(0, ia); ib = Math.max(0, ib); }
      if (ia !== ib) return true;
    }
    return false;
  });
}

function kerasConcatMaskFails(n, g) {
  const masked = kerasMasked(g);
  if (!n.inputs.some(v => masked.has(v))) return false;
  const shapes = n.inputs.map(v => valueShape(g, v));
  if (shapes.some(s => !s)) return false;
  const r = shapes[0].length, axis = n.attrs.axis < 0 ? n.attrs.axis + r : n.attrs.axis;
  const parts = n.inputs.map((v, i) => masked.has(v) ? shapes[i].slice(0, -1).concat([1]) : shapes[i]);
  return parts.some(p => p.some((d, k) => k !== 0 && k !== axis && d !== parts[0][k]));
}
// Keras masks (oracles/ref/masks.h): which values carry one. Masking and Embedding(mask_zero) create it;
// supports_masking layers pass input 0's on, merges and Concatenate combine, RNNs pass it on with
// return_sequences; every other layer and every TF op drops it.
const kMaskPass = new Set(['Dense', 'Activation', 'Dropout', 'SpatialDropout1D', 'SpatialDropout2D', 'SpatialDropout3D',
  'AlphaDropout', 'GaussianDropout', 'GaussianNoise', 'ActivityRegularization', 'BatchNormalization', 'LayerNormalization',
  'UnitNormalization', 'GroupNormalization', 'ReLU', 'LeakyReLU', 'PReLU', 'ELU', 'ThresholdedReLU']);
const kMerge = new Set(['Add', 'Subtract', 'Multiply', 'Average', 'Maximum', 'Minimum']);
const kRnn = new Set(['SimpleRNN', 'GRU', 'LSTM', 'Bidirectional']);
const isMaskSource = n => n.op === 'Masking' || (n.op === 'Embedding' && n.attrs.mask_zero === true);
// Layers whose TF.js call() applies the mask in kwargs, and layers whose computeMask combines their inputs'.
const isMaskUser = n => kRnn.has(n.op) || n.op === 'Softmax' || n.op === 'GlobalAveragePooling1D' || n.op === 'TimeDistributed';
const isMaskCombiner = n => kMerge.has(n.op) || n.op === 'Concatenate';
function firstValue(g, i) { let id = 0; for (let j = 0; j < i; ++j) id += (g.nodes[j].output_shapes || []).length; return id; }
function kerasMasked(g) {
  if (g._masked) return g._masked;
  const masked = new Set();
  g.nodes.forEach((n, i) => {
    const v = firstValue(g, i), ins = n.inputs.map(x => masked.has(x));
    const rs = n.op === 'Bidirectional' ? (n.attrs.layer && n.attrs.layer.config || {}).return_sequences : n.attrs.return_sequences;
    if (isMaskSource(n) || (kMaskPass.has(n.op) && ins[0]) || ((kMerge.has(n.op) || n.op === 'Concatenate') && ins.some(Boolean)) ||
        (kRnn.has(n.op) && ins[0] && rs === true)) masked.add(v);
  });
  return (g._masked = masked);
}
// Finding 28: TF.js shares one kwargs object across the predict, so after a mask source every later layer
// that uses masks is handed the last mask seen, also where Keras has none (dropped, or another branch).
function maskLeaksTo(n, g) {
  const i = g.nodes.indexOf(n);
  return g.nodes.slice(0, i).some(isMaskSource) && !n.inputs.some(x => kerasMasked(g).has(x));
}
// Finding 27: a merge layer's computeMask returns an expanded [1, N, T] mask (or throws on an unmasked input
// between masked ones): true at a merge with a masked input, and at a mask user fed (through mask-passing
// layers) by such a merge.
function mergedMaskReaches(n, g) {
  const masked = kerasMasked(g);
  if (kMerge.has(n.op)) return n.inputs.some(x => masked.has(x));
  const producer = v => g.nodes.findIndex((m, j) => firstValue(g, j) <= v && v < firstValue(g, j) + (m.output_shapes || []).length);
  const seen = new Set();
  const from = v => {
    if (seen.has(v) || !masked.has(v)) return false;
    seen.add(v);
    const m = g.nodes[producer(v)];
    if (!m) return false;
    if (kMerge.has(m.op) && m.inputs.some(x => masked.has(x))) return true;
    return (kMaskPass.has(m.op) || m.op === 'Concatenate') && m.inputs.some(from);
  };
  return n.inputs.some(from);
}

// 'same' padding where the windows do not reach the input's end: TF pads max(0, (out-1)*s + k_eff - in),
// i.e. nothing, and XNNPACK (wasm) is given a negative padding.
function sameUncovered(n, g) {
  if (!/^(Conv2D|DepthwiseConv2D|SeparableConv2D)$/.test(n.op) || n.attrs.padding !== 'same') return false;
  const s = valueShape(g, n.inputs[0]);
  if (!s) return false;
  const sp = n.attrs.data_format === 'channels_first' ? s.slice(2) : s.slice(1, -1);
  return sp.some((len, i) => {
    const st = n.attrs.strides[i], k = n.attrs.kernel_size[i], d = (n.attrs.dilation_rate || [1, 1])[i];
    const out = Math.ceil(len / st);
    return (out - 1) * st + (k - 1) * d + 1 < len;
  });
}
// PReLU alphas shared along an axis that follows an unshared one: not a trailing block, so not what the
// wasm kernel's flat, cyclic alpha index assumes.
function preluInnerShared(n, g) {
  const s = valueShape(g, n.inputs[0]);
  const sa = n.attrs.shared_axes == null ? [] : [].concat(n.attrs.shared_axes);
  const shared = new Set(sa.map(a => (a < 0 ? a + s.length : a)));
  let unsharedSeen = false;
  for (let a = 1; a < s.length; ++a) {
    if (s[a] === 1) continue;
    if (!shared.has(a)) unsharedSeen = true;
    else if (unsharedSeen) return true;
  }
  return false;
}
// Batch dims of a matmul operand broadcast (size 1 against a larger size) to the right of a dim that is
// not: TF.js indexes the operand's batch by `flat batch index % its batch size`, right only when its
// broadcast dims all lead. null (the model's batch) counts as larger than 1.
function matmulInnerBroadcast(n, g) {
  const dims = x => Array.isArray(x) ? [x.length, ...dims(x[0])] : [];
  const a = valueShape(g, n.inputs[0]);
  const b = n.inputs.length > 1 ? valueShape(g, n.inputs[1]) : (n.attrs.b == null ? null : dims(n.attrs.b));
  if (!a || !b) return false;
  const ba = a.slice(0, -2), bb = b.slice(0, -2);
  const r = Math.max(ba.length, bb.length);
  const pad = x => Array(r - x.length).fill(1).concat(x);
  const big = d => d == null || d > 1;
  const pa = pad(ba), pb = pad(bb);
  const out = pa.map((d, i) => (big(d) ? d : pb[i]));
  const wrong = p => {
    let kept = false;
    for (let i = 0; i < r; ++i) {
      if (!big(out[i])) continue;
      if (big(p[i])) kept = true;
      else if (kept) return true;
    }
    return false;
  };
  return wrong(pa) || wrong(pb);
}
function rankOf(g, v) { const s = valueShape(g, v); return s ? s.length : -1; }
function valueShape(g, v) {
  let id = 0;
  for (const n of g.nodes) for (const s of n.output_shapes || []) { if (id === v) return s; ++id; }
  return null;
}
function bnNonLast(n, g) {
  const r = rankOf(g, n.inputs[0]);
  const axes = (Array.isArray(n.attrs.axis) ? n.attrs.axis : [n.attrs.axis == null ? -1 : n.attrs.axis]).map(a => a < 0 ? a + r : a);
  return !(axes.length === 1 && axes[0] === r - 1);
}
// A merge taking one tensor twice whose tensor another layer also reads (TF.js disposes it early).
function dupInputShared(n, g) {
  const seen = new Set();
  for (const v of n.inputs) {
    if (seen.has(v) && g.nodes.some(m => m !== n && m.inputs.includes(v))) return true;
    seen.add(v);
  }
  return false;
}

function classify(row, c) {
  const backend = row.executor.replace(/^tfjs-/, '');
  const g = c.graph;
  const hits = (nodes) => kFindings.filter(f => (!f.backends || f.backends.includes(backend)) &&
    nodes.some(i => f.on(g.nodes[i], g))).map(f => f.id);
  if (row.disposition === 'DIVERGED') {
    const t = g.nodes.findIndex(n => n.name === row.first_divergent_node);
    if (t < 0) return [];
    // The first divergent node must itself be a finding's trigger. Findings that make TF.js throw cannot
    // explain a value or shape difference.
    return hits([t]).filter(id => !kFindings.find(f => f.id === id).errors);
  }
  // Findings that only change values cannot make TF.js throw.
  const valuesOnly = id => kFindings.find(f => f.id === id).valuesOnly;
  const all = g.nodes.map((_, i) => i);
  // A message that names a finding is explained by that finding's trigger only.
  const named = kMessages.filter(m => m.re.test(row.reason));
  if (named.length) return named.map(m => m.id).filter(id => hits(all).includes(id));
  return hits(all).filter(id => !valuesOnly(id));
}

function main() {
  const dir = process.argv[2];
  if (!dir) { console.error('usage: classify_findings.js RUN_DIR'); process.exit(2); }
  const rows = fs.readFileSync(path.join(dir, 'results.jsonl'), 'utf8').trim().split('\n').map(l => JSON.parse(l));
  const counts = {}; const unmapped = [];
  for (const r of rows) {
    if (r.disposition !== 'DIVERGED' && r.disposition !== 'ERRORED') continue;
    const c = JSON.parse(fs.readFileSync(path.join(dir, 'cases', `${r.case}.json`), 'utf8'));
    const ids = classify(r, c);
    if (!ids.length) { unmapped.push(r); continue; }
    if (process.argv.includes('--rows'))
      console.log(`ROW ${r.case} ${r.executor} ${r.disposition} ${ids.join('+')}: ${r.reason.slice(0, 160)}`);
    // How an ERRORED row failed: a wasm trap or a hang is worth seeing apart from a TF.js exception.
    const how = /RuntimeError: memory access/.test(r.reason) ? '[wasm trap]' : /^timeout/.test(r.reason) ? '[timeout]' : '';
    const key = `${r.disposition}${how} ${r.executor} ${ids.join('+')}`;
    counts[key] = (counts[key] || 0) + 1;
  }
  for (const [k, v] of Object.entries(counts).sort((a, b) => b[1] - a[1])) console.log(`${String(v).padStart(5)}  ${k}`);
  for (const r of unmapped) console.log(`UNMAPPED ${r.case} ${r.executor} ${r.disposition}: ${r.reason.slice(0, 200)}`);
  console.log(`${unmapped.length} unmapped row(s)`);
  process.exit(unmapped.length ? 1 : 0);
}

main();
