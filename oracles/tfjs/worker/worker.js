#!/usr/bin/env node
// parity's persistent TF.js worker: one TF.js installation and one backend per process, serving framed
// requests on stdin and answering on stdout until stdin closes. Protocol: docs/tfjs-worker.md.
//
//   node worker.js <cpu|wasm> [--tfjs-dir DIR]     (DIR defaults to $PARITY_TFJS_DIR, then this folder)
//
// Frame (both directions): "PRW1", u32 LE header length, u32 LE payload length, header (UTF-8 JSON),
// payload (raw bytes the header points into with {offset, bytes}; tensors are little-endian float32).
'use strict';

const path = require('node:path');

// stdout carries frames only: keep its real writer, send every other write (TF.js warnings, stray
// console.log in a library) to stderr.
const protoWrite = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, encoding, cb) => process.stderr.write(chunk, encoding, cb);
for (const k of ['log', 'info', 'debug']) console[k] = (...a) => console.error(...a);

const kMagic = Buffer.from('PRW1', 'latin1');
const kPrefix = 12;
const kMaxHeader = 256 << 20;
const kMaxPayload = 1 << 30;
const faultsEnabled = process.env.PARITY_WORKER_TEST_FAULTS === '1';

// One allocation and one write() per frame: prefix, header and payload chunks laid out in place.
function writeFrame(header, chunks = []) {
  const h = JSON.stringify(header);
  const hlen = Buffer.byteLength(h, 'utf8');
  let plen = 0;
  for (const c of chunks) plen += c.length;
  const frame = Buffer.allocUnsafe(kPrefix + hlen + plen);
  kMagic.copy(frame, 0);
  frame.writeUInt32LE(hlen, 4);
  frame.writeUInt32LE(plen, 8);
  frame.write(h, kPrefix, hlen, 'utf8');
  let at = kPrefix + hlen;
  for (const c of chunks) { c.copy(frame, at); at += c.length; }
  protoWrite(frame);
}

function parseArgs(argv) {
  const a = { backend: argv[0], tfjsDir: process.env.PARITY_TFJS_DIR || __dirname };
  for (let i = 1; i < argv.length; ++i) {
    if (argv[i] === '--tfjs-dir' && i + 1 < argv.length) a.tfjsDir = argv[++i];
    else throw new Error(`unknown argument '${argv[i]}'`);
  }
  return a;
}

// Test hooks, honoured only with PARITY_WORKER_TEST_FAULTS=1: how a broken worker looks from outside.
function injectFault(fault) {
  if (!faultsEnabled || !fault) return false;
  if (fault === 'exit') process.exit(3);                 // dies mid-request, no reply
  if (fault === 'hang') for (;;) { /* spins like the layers loader on a dangling reference */ }
  if (fault === 'garbage') { protoWrite('this is not a frame\n'); return true; }  // no frame follows
  if (fault === 'log') { console.log('stray console.log from a library'); return false; }  // must reach stderr
  if (fault === 'wasm_trap') throw new WebAssembly.RuntimeError('memory access out of bounds (test fault)');
  return false;
}

async function handle(env, header, payload) {
  const { runModel, classify } = require('./model_run');
  const cmd = header.cmd;
  try {
    if (injectFault(header.fault)) return;
    if (cmd === 'hello') {
      const { tf } = env;
      writeFrame({
        ok: true, cmd, versions: env.versions, backend: tf.getBackend(), node: process.version,
        pid: process.pid, tfjs_dir: env.tfjsDir, tfjs_core_path: env.corePath,
        chained_ops: env.chained, faults_enabled: faultsEnabled, tensors: tf.memory().numTensors,
      });
    } else if (cmd === 'declared') {
      writeFrame({ ...require('./declared').declared(env), id: header.id });
    } else if (cmd === 'run') {
      const t0 = performance.now();
      const { header: reply, chunks } = await runModel(env, header, payload);
      reply.id = header.id;
      reply.timing.worker_ms = performance.now() - t0;
      reply.tensors = env.tf.memory().numTensors;
      writeFrame(reply, chunks);
    } else if (cmd === 'exit') {
      writeFrame({ ok: true, cmd });
      process.exit(0);
    } else {
      writeFrame({ ok: false, kind: 'protocol', message: `unknown command '${cmd}'`, id: header.id });
    }
  } catch (e) {
    const c = classify(e);
    const reply = { ok: false, kind: c.kind, message: c.message, id: header.id };
    if (c.op) reply.op = c.op;
    if (e && e.parityTiming) reply.timing = e.parityTiming;
    // A WebAssembly trap (e.g. "memory access out of bounds" in the wasm backend) may leave the module's
    // memory corrupt: answer, then exit so the next case gets a fresh worker (the client restarts it).
    const trapped = typeof WebAssembly !== 'undefined' && e instanceof WebAssembly.RuntimeError;
    if (trapped) reply.worker_exits = true;
    writeFrame(reply);
    if (trapped) process.exit(0);
  }
}

// Reads frames from stdin and handles them one at a time, in order. Incoming chunks are queued and joined
// only once a whole frame (or prefix) is there, so a large request costs one copy, not one per chunk.
function serve(env) {
  let buf = Buffer.alloc(0);
  const pending = [];
  let pendingBytes = 0;
  let need = kPrefix;  // bytes buf must hold before the next frame (or its prefix) can be parsed
  let busy = false;
  const merge = () => {
    if (!pending.length) return;
    buf = !buf.length && pending.length === 1 ? pending[0] : Buffer.concat([buf, ...pending], buf.length + pendingBytes);
    pending.length = 0;
    pendingBytes = 0;
  };
  const fatal = msg => { writeFrame({ ok: false, kind: 'protocol', message: msg }); process.exit(2); };
  const pump = async () => {
    if (busy) return;
    busy = true;
    for (;;) {
      merge();
      need = kPrefix;
      if (buf.length < kPrefix) break;
      if (!buf.subarray(0, 4).equals(kMagic)) fatal(`bad frame magic on stdin: ${JSON.stringify(buf.subarray(0, 12).toString('latin1'))}`);
      const hlen = buf.readUInt32LE(4), plen = buf.readUInt32LE(8);
      if (hlen > kMaxHeader || plen > kMaxPayload) fatal(`frame too large: header ${hlen}, payload ${plen} bytes`);
      if (buf.length < kPrefix + hlen + plen) { need = kPrefix + hlen + plen; break; }
      let header;
      try { header = JSON.parse(buf.toString('utf8', kPrefix, kPrefix + hlen)); } catch (e) { fatal(`bad frame header: ${e.message}`); }
      const payload = buf.subarray(kPrefix + hlen, kPrefix + hlen + plen);
      buf = buf.subarray(kPrefix + hlen + plen);
      await handle(env, header, payload);
    }
    busy = false;
  };
  process.stdin.on('data', chunk => {
    pending.push(chunk);
    pendingBytes += chunk.length;
    if (busy || buf.length + pendingBytes < need) return;  // handled after the current request, or incomplete
    pump().catch(e => { process.stderr.write(`worker: ${e && e.stack || e}\n`); process.exit(1); });
  });
  process.stdin.on('end', () => process.exit(0));  // parity went away: so do we
}

async function main() {
  let args;
  try { args = parseArgs(process.argv.slice(2)); } catch (e) { writeFrame({ ok: false, kind: 'startup', message: e.message }); process.exit(2); }
  let env;
  try {
    env = await require('./tfjs_env').loadTfjs(args.tfjsDir, args.backend);
    env.tfjsDir = path.resolve(args.tfjsDir);
  } catch (e) {
    // Answered before any request arrives: the client reads it as the reply to its hello.
    writeFrame({ ok: false, kind: e && e.code === 'MODULE_NOT_FOUND' ? 'unavailable' : 'startup', message: String(e && e.message || e) });
    process.exit(1);
  }
  serve(env);
}

main();
