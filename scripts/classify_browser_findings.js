#!/usr/bin/env node
// Maps every DIVERGED / ERRORED row of the browser executors (tfjs-webgl, tfjs-webgpu, tfjs-webgl-f16) in a
// `parity run` directory to a documented finding: one shared with tfjs-cpu (docs/findings-tfjs-4.22.md,
// decided by scripts/classify_findings.js, run as a subprocess on the browser rows) or a browser-only one
// (docs/findings-browser-4.22.md, the table below). Prints the rows it cannot map.
//
//   node scripts/classify_browser_findings.js RUN_DIR [--cpu-run DIR] [--f16-cost]
//
//   --cpu-run DIR  a tfjs-cpu run of the same seed: also report, per row, whether tfjs-cpu failed the same
//                  case the same way (same disposition and first divergent node / message)
//   --f16-cost     print what float16 textures cost per op (tfjs-webgl-f16 against tfjs-webgl), and exit 0
//
// Exit 0 when every browser DIVERGED / ERRORED row maps, 1 otherwise, 2 on bad usage.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const kBrowser = ['tfjs-webgl', 'tfjs-webgpu', 'tfjs-webgl-f16'];
const backendOf = ex => ({ 'tfjs-webgl': 'webgl', 'tfjs-webgpu': 'webgpu', 'tfjs-webgl-f16': 'webgl-f16' })[ex];

const opIs = (...ops) => n => ops.includes(n.op);
const rankOf = (g, v) => { const s = valueShape(g, v); return s ? s.length : -1; };
function valueShape(g, v) {
  let id = 0;
  for (const n of g.nodes) for (const s of n.output_shapes || []) { if (id === v) return s; ++id; }
  return null;
}
const padRank5 = (n, g) => (n.op === 'tf.pad' && rankOf(g, n.inputs[0]) >= 5) || n.op === 'ZeroPadding3D';
const isBool = n => (n.output_dtypes || []).includes('bool');

// Browser-only findings (docs/findings-browser-4.22.md). `on`: backends it shows on; `node`: predicate on
// the first divergent node (DIVERGED rows); `graph`: a trigger anywhere in the graph, for ERRORED rows and
// for DIVERGED rows without a first divergent node; `message`: what an ERRORED row's reason must match.
// `valuesOnly` findings cannot explain an ERRORED row; `errors` findings cannot explain a DIVERGED one.
const kFindings = [
  { id: 'B1 log1p/atanh via log(1+x)', on: ['webgl', 'webgpu'], valuesOnly: true, node: opIs('tf.math.log1p', 'tf.math.atanh') },
  { id: 'B2 expm1 as exp(x)-1', on: ['webgl', 'webgpu'], valuesOnly: true, node: opIs('tf.math.expm1') },
  { id: 'B3 tanh/sinh by exp quotients', on: ['webgl', 'webgpu'], valuesOnly: true,
    node: n => n.op === 'tf.math.tanh' || n.op === 'tf.math.sinh' || (n.attrs && n.attrs.activation === 'tanh') },
  { id: 'B4 trigonometric built-ins', on: ['webgl', 'webgpu'], valuesOnly: true,
    node: opIs('tf.math.sin', 'tf.math.cos', 'tf.math.tan', 'tf.math.acos', 'tf.math.asin', 'tf.math.atan', 'tf.math.atan2') },
  { id: 'B5 erf polynomial in float32', on: ['webgl', 'webgpu'], valuesOnly: true,
    node: n => n.op === 'tf.math.erf' || (n.attrs && n.attrs.activation === 'gelu') },
  { id: 'B6 pad on rank 5 (shader does not compile)', on: ['webgl', 'webgl-f16'], errors: true,
    message: /Failed to compile fragment shader/, graph: (n, g) => padRank5(n, g) },
  { id: 'B6 pad on rank 5 (zeros)', on: ['webgpu'], valuesOnly: true,
    node: (n, g) => padRank5(n, g), graph: (n, g) => padRank5(n, g) },
  // A wrong rank makes a later op throw (tile: "rank of input 3 must match length of reps").
  { id: 'B7 webgpu reduce_prod keepdims', on: ['webgpu'],
    node: n => n.op === 'tf.math.reduce_prod', graph: n => n.op === 'tf.math.reduce_prod' && n.attrs.keepdims === true },
  // A DIVERGED row without a first divergent node: the re-run that fetched the intermediates passed, so
  // the result depended on what ran before in the page.
  { id: 'B10 webgpu state from earlier cases', on: ['webgpu'], valuesOnly: true, fallback: 1,
    graph: () => true, noNode: true },
  // The same, as errors: for a stretch of cases the page's TF.js engine has lost a tensor's backend; each of
  // these cases passes (or fails another way) from a fresh page.
  { id: 'B10 webgpu state from earlier cases (engine lost a tensor)', on: ['webgpu'], errors: true,
    message: /^exception: TypeError: Cannot read properties of undefined \(reading 'backend'\)/, graph: () => true },
  // Bool tensors computed on the GPU: every such row replays deterministically from a fresh page.
  { id: 'B8 webgpu bool tensors', on: ['webgpu'], valuesOnly: true, fallback: 2,
    node: (n, g) => g.nodes.some(isBool), graph: n => isBool(n) },
  { id: 'B9 rank-5 batch_to_space/space_to_batch_nd not implemented', on: ['webgl', 'webgl-f16', 'webgpu'], errors: true,
    message: /(batchToSpaceND|spaceToBatchND) for rank > 4 with a \w+ backend not implemented yet/,
    graph: (n, g) => /^tf\.(batch_to_space|space_to_batch_nd|space_to_batch)$/.test(n.op) && rankOf(g, n.inputs[0]) >= 5 },
  { id: 'B11 webgl floordiv rounds its operands', on: ['webgl', 'webgl-f16'], valuesOnly: true,
    node: opIs('tf.math.floordiv') },
  { id: 'B13 webgl floormod is GLSL mod()', on: ['webgl', 'webgl-f16'], valuesOnly: true,
    node: opIs('tf.math.floormod') },
  { id: 'B12 webgpu device lost', on: ['webgpu'], errors: true,
    message: /^context_lost: WebGPU device lost/, graph: (n, g) => n.inputs.some(v => rankOf(g, v) >= 5) },
  // Shared with tfjs-cpu but not (yet) in findings-tfjs-4.22.md: documented in findings-browser-4.22.md, S1.
  { id: 'S1 floordiv returns int32 (shared with tfjs-cpu)', on: ['webgl', 'webgl-f16', 'webgpu'], errors: true,
    message: /must be float32 tensor, but got int32 tensor/, graph: n => n.op === 'tf.math.floordiv' },
  { id: 'F1 f16 textures flush small constants (l2_normalize epsilon)', on: ['webgl-f16'], valuesOnly: true,
    node: opIs('tf.math.l2_normalize'), graph: n => n.op === 'tf.math.l2_normalize' },
];

function loadRows(dir) {
  const f = path.join(dir, 'results.jsonl');
  return fs.readFileSync(f, 'utf8').split('\n').filter(l => l.trim()).map(l => JSON.parse(l));
}
const failed = r => r.disposition === 'DIVERGED' || r.disposition === 'ERRORED';

// The shared findings: classify_findings.js on a copy of the run holding only the browser rows. Returns the
// set of "case executor" keys it left unmapped, and its count lines.
function sharedClassification(dir, rows) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'classify_browser_'));
  try {
    fs.writeFileSync(path.join(tmp, 'results.jsonl'), rows.map(r => JSON.stringify(r)).join('\n') + '\n');
    fs.symlinkSync(path.resolve(dir, 'cases'), path.join(tmp, 'cases'));
    let out;
    try {
      out = execFileSync(process.execPath, [path.join(__dirname, 'classify_findings.js'), tmp], { encoding: 'utf8' });
    } catch (e) {
      if (e.status !== 1) throw e;  // 1: some rows unmapped, which is what we are here for
      out = e.stdout;
    }
    const unmapped = new Set(), counts = [];
    for (const line of out.split('\n')) {
      const m = /^UNMAPPED (\S+) (\S+) /.exec(line);
      if (m) unmapped.add(`${m[1]} ${m[2]}`);
      else if (/^\s*\d+\s+(DIVERGED|ERRORED)/.test(line)) counts.push(line.trim());
    }
    return { unmapped, counts };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function browserFindings(row, c) {
  const backend = backendOf(row.executor);
  const g = c.graph;
  const fs_ = kFindings.filter(f => f.on.includes(backend));
  const anywhere = f => f.graph && g.nodes.some(n => f.graph(n, g));
  if (row.disposition === 'DIVERGED') {
    const t = g.nodes.find(n => n.name === row.first_divergent_node);
    const ids = fs_.filter(f => !f.errors && (t ? f.node && !f.noNode && f.node(t, g) : anywhere(f)));
    // Fallback findings (B10, then B8) only when no specific one explains the row: the first level present.
    const specific = ids.filter(f => !f.fallback);
    if (specific.length) return specific.map(f => f.id);
    const level = Math.min(...ids.map(f => f.fallback));
    return ids.filter(f => f.fallback === level).map(f => f.id);
  }
  return fs_.filter(f => !f.valuesOnly && (!f.message || f.message.test(row.reason)) && anywhere(f)).map(f => f.id);
}

// How tfjs-cpu did on the same case in another run: 'same' when it failed the same way.
function cpuVerdict(cpuRows, row) {
  if (!cpuRows) return '';
  const r = cpuRows.get(row.case);
  if (!r) return 'cpu:absent';
  const same = r.disposition === row.disposition && (row.disposition === 'DIVERGED'
    ? r.first_divergent_node === row.first_divergent_node : r.reason === row.reason);
  return same ? 'cpu:same' : `cpu:${r.disposition}`;
}

// Keras's layer naming (`re_lu` for ReLU, `max_pooling1d` for MaxPooling1D); TF-op nodes are named after
// the op. An output is named after the node that produces it, with `_N` for repeats and `:K` for a
// second output.
function snake(op) {
  return op.replace(/(.)([A-Z][a-z]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}
function opOfOutput(name, ops) {
  const base = name.replace(/:\d+$/, '').replace(/_\d+$/, '');
  name = name.replace(/:\d+$/, '');
  return ops.find(o => o === name || o === base || snake(o) === name || snake(o) === base) || null;
}
// What float16 textures cost, per op: over the outputs of cases that float32 WebGL passes (so the error
// is the f16 path's, not a finding's), the output's producing op, the worst error of tfjs-webgl-f16 in
// float16 ulps and relative terms, beside tfjs-webgl's in float32 ulps. `single` counts one-op cases,
// where the error is that op's alone; the others include what upstream ops contributed.
function printF16Cost(rows) {
  const key = r => `${r.case}`;
  const f32 = new Map(rows.filter(r => r.executor === 'tfjs-webgl').map(r => [key(r), r]));
  const per = {};
  const disp = {};
  for (const r of rows.filter(x => x.executor === 'tfjs-webgl-f16')) {
    const w = f32.get(key(r));
    if (!w) continue;
    const d = `${w.disposition}->${r.disposition}`;
    disp[d] = (disp[d] || 0) + 1;
    if (w.disposition !== 'PASSED' || !['PASSED', 'DIVERGED', 'MISTRUSTED'].includes(r.disposition)) continue;
    for (const o of r.outputs || []) {
      const op = opOfOutput(o.name, r.ops || []) || '(unknown)';
      const wo = (w.outputs || []).find(x => x.name === o.name) || {};
      const e = per[op] || (per[op] = { n: 0, single: 0, diverged: 0, ulp16: [], rel16: 0, ulp32: 0, rel32: 0 });
      e.n++;
      if (r.nodes === 1) e.single++;
      if (o.failing > 0) e.diverged++;
      e.ulp16.push(o.max_ulp_err || 0);
      e.rel16 = Math.max(e.rel16, o.max_rel_err || 0);
      e.ulp32 = Math.max(e.ulp32, wo.max_ulp_err || 0);
      e.rel32 = Math.max(e.rel32, wo.max_rel_err || 0);
    }
  }
  const g = x => (x === 0 ? '0' : x < 1e-3 || x >= 1e4 ? x.toExponential(1) : String(+x.toPrecision(2)));
  console.log('tfjs-webgl -> tfjs-webgl-f16 dispositions (same case):');
  for (const [k, v] of Object.entries(disp).sort((a, b) => b[1] - a[1])) console.log(`  ${String(v).padStart(5)}  ${k}`);
  console.log('\n| op (output) | outputs | one-op cases | f16 median ulp16 | f16 max ulp16 | f16 max rel | f16 over budget | f32 max ulp | f32 max rel |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  const med = a => { const s = [...a].sort((x, y) => x - y); return s[Math.floor((s.length - 1) / 2)]; };
  for (const [op, e] of Object.entries(per).sort((a, b) => Math.max(...b[1].ulp16) - Math.max(...a[1].ulp16) || a[0].localeCompare(b[0])))
    console.log(`| ${op} | ${e.n} | ${e.single} | ${g(med(e.ulp16))} | ${g(Math.max(...e.ulp16))} | ${g(e.rel16)} | ${e.diverged} | ${g(e.ulp32)} | ${g(e.rel32)} |`);
}

function main() {
  const args = process.argv.slice(2);
  const dir = args.find(a => !a.startsWith('--') && args[args.indexOf(a) - 1] !== '--cpu-run');
  if (!dir) { console.error('usage: classify_browser_findings.js RUN_DIR [--cpu-run DIR] [--f16-cost]'); process.exit(2); }
  const all = loadRows(dir);
  if (args.includes('--f16-cost')) { printF16Cost(all); return; }
  let cpuRows = null;
  const ci = args.indexOf('--cpu-run');
  if (ci >= 0) cpuRows = new Map(loadRows(args[ci + 1]).filter(r => r.executor === 'tfjs-cpu').map(r => [r.case, r]));

  const rows = all.filter(r => kBrowser.includes(r.executor) && failed(r));
  const shared = sharedClassification(dir, rows);
  const counts = {}, unmapped = [], cpu = {};
  for (const r of rows) {
    const v = cpuVerdict(cpuRows, r);
    if (!shared.unmapped.has(`${r.case} ${r.executor}`)) {
      if (v) cpu[`shared ${v}`] = (cpu[`shared ${v}`] || 0) + 1;
      continue;
    }
    const c = JSON.parse(fs.readFileSync(path.join(dir, 'cases', `${r.case}.json`), 'utf8'));
    const ids = browserFindings(r, c);
    if (!ids.length) { unmapped.push([r, v]); continue; }
    if (v) cpu[`browser-only ${v}`] = (cpu[`browser-only ${v}`] || 0) + 1;
    const key = `${r.disposition} ${r.executor} ${ids.join('+')}`;
    counts[key] = (counts[key] || 0) + 1;
  }
  console.log(`Shared with tfjs-cpu (docs/findings-tfjs-4.22.md, by scripts/classify_findings.js): ${rows.length - shared.unmapped.size} row(s)`);
  for (const l of shared.counts) console.log(`  ${l}`);
  console.log(`Browser-only (docs/findings-browser-4.22.md): ${Object.values(counts).reduce((a, b) => a + b, 0)} row(s)`);
  for (const [k, v] of Object.entries(counts).sort((a, b) => b[1] - a[1])) console.log(`  ${String(v).padStart(5)}  ${k}`);
  if (cpuRows) {
    console.log('tfjs-cpu on the same cases (--cpu-run):');
    for (const [k, v] of Object.entries(cpu).sort()) console.log(`  ${String(v).padStart(5)}  ${k}`);
  }
  for (const [r, v] of unmapped)
    console.log(`UNMAPPED ${r.case} ${r.executor} ${r.disposition}${v ? ` [${v}]` : ''}: ${r.reason.slice(0, 200)}`);
  console.log(`${unmapped.length} unmapped row(s) of ${rows.length}`);
  process.exit(unmapped.length ? 1 : 0);
}

main();
