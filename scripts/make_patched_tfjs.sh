#!/bin/sh
# Builds a TF.js tree for `parity ... --tfjs-dir DIR` whose CPU backend has one deliberately wrong kernel, to
# show what parity does when TF.js misbehaves (a NEW row against a baseline, a first bad commit, a reducible
# model). The shell twin of harness/test/patched_tfjs.h (same layout, same patch).
#
#   scripts/make_patched_tfjs.sh DIR [KERNEL [EXPR]]      # default: Tanh 'Math.tanh(xi) + 0.25'
#
# DIR/node_modules gets a symlink to every entry of oracles/tfjs/worker/node_modules except
# @tensorflow/tfjs-backend-cpu, which is a copy of its package.json and Node bundle with the element function of
# the unary kernel KERNEL (written `unaryKernelFunc(tfjsCore.KERNEL, function (xi) { return ...; })`: Tanh,
# Sigmoid, Relu, Elu, Sqrt, Sin, Cos, ...) returning EXPR, a JavaScript expression of xi. DIR must not exist.
set -eu
[ $# -ge 1 ] || { echo "usage: $0 DIR [KERNEL [EXPR]]" >&2; exit 2; }
dir=$1
kernel=${2:-Tanh}
expr=${3:-'Math.tanh(xi) + 0.25'}
src=$(cd "$(dirname "$0")/.." && pwd)/oracles/tfjs/worker/node_modules
[ -f "$src/@tensorflow/tfjs-backend-cpu/dist/tf-backend-cpu.node.js" ] ||
  { echo "$0: TF.js is not installed: run \`npm ci\` in oracles/tfjs/worker" >&2; exit 1; }
[ ! -e "$dir" ] || { echo "$0: $dir exists" >&2; exit 2; }
mkdir -p "$dir/node_modules/@tensorflow/tfjs-backend-cpu/dist"
nm=$(cd "$dir/node_modules" && pwd)
for e in "$src"/* "$src"/@tensorflow/*; do
  case $e in
    "$src/@tensorflow"|*/tfjs-backend-cpu) ;;
    "$src"/@tensorflow/*) ln -s "$e" "$nm/@tensorflow/$(basename "$e")" ;;
    *) ln -s "$e" "$nm/$(basename "$e")" ;;
  esac
done
pkg=$nm/@tensorflow/tfjs-backend-cpu
cp "$src/@tensorflow/tfjs-backend-cpu/package.json" "$pkg/"
cp "$src/@tensorflow/tfjs-backend-cpu/dist/tf-backend-cpu.node.js" "$pkg/dist/"
# Node does the replacement: no shell or sed quoting of EXPR.
KERNEL=$kernel EXPR=$expr BUNDLE=$pkg/dist/tf-backend-cpu.node.js node -e '
const fs = require("fs");
const { KERNEL, EXPR, BUNDLE } = process.env;
const text = fs.readFileSync(BUNDLE, "utf8");
const head = `unaryKernelFunc(tfjsCore.${KERNEL}, function (xi) { return `;
const at = text.indexOf(head);
if (at < 0) { console.error(`no unary kernel ${KERNEL} in ${BUNDLE}`); process.exit(1); }
const body = at + head.length, end = text.indexOf("; })", body);
fs.writeFileSync(BUNDLE, text.slice(0, body) + EXPR + text.slice(end));
' || { rm -rf "$dir"; exit 1; }
echo "$dir: TF.js with $kernel patched to return $expr (use --tfjs-dir $dir)"
