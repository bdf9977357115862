#!/usr/bin/env bash
# The GPU smoke job (ci/README.md): build with CUDA, run the CUDA oracle's tests, a ref64-vs-cuda campaign and
# `parity coverage`, then print a one-screen summary. Exit 0 only when the build, the tests and the campaign
# succeed. On a machine without a GPU everything still builds and the cuda rows are SKIPPED ("no CUDA device"),
# which the summary says in its first line; set PARITY_REQUIRE_GPU=1 to make that a failure (a GPU runner).
#
# Environment: BUILD_DIR (build-gpu), OUT_DIR (gpu-smoke), CASES (2000), SEED (1), JOBS (nproc),
# CUDA_ARCHS (CMake's CUDA architectures; default: the project's 75-real;80-real;90), and any extra
# arguments go to `parity run` (e.g. --cuda-tf32).
set -uo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=${BUILD_DIR:-build-gpu}
OUT_DIR=${OUT_DIR:-gpu-smoke}
CASES=${CASES:-2000}
SEED=${SEED:-1}
JOBS=${JOBS:-$(nproc)}
mkdir -p "$OUT_DIR"
LOG="$OUT_DIR/gpu-smoke.log"
: >"$LOG"

die() { echo "gpu-smoke: $*" >&2; echo "  (full log: $LOG)" >&2; exit 1; }
step() { echo "== $*" | tee -a "$LOG"; }

if ! command -v nvcc >/dev/null && [ -x /usr/local/cuda/bin/nvcc ]; then export PATH="/usr/local/cuda/bin:$PATH"; fi
command -v nvcc >/dev/null || die "nvcc not found (install the CUDA toolkit or put it on PATH)"

# --- build --------------------------------------------------------------------------------------------
step "configure + build ($BUILD_DIR)"
archs=()
[ -n "${CUDA_ARCHS:-}" ] && archs=(-DCMAKE_CUDA_ARCHITECTURES="$CUDA_ARCHS")
t0=$(date +%s)
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DPARITY_ENABLE_CUDA=ON "${archs[@]}" >>"$LOG" 2>&1 ||
  die "cmake configure failed"
grep -q "parity: building the CUDA oracle" "$LOG" || die "CMake did not enable the CUDA oracle (cuDNN missing?)"
cmake --build "$BUILD_DIR" -j"$JOBS" --target parity test_cuda_elem test_cuda_emulation test_cuda_device_checks \
  test_cuda_device_run >>"$LOG" 2>&1 || die "build failed"
build_s=$(( $(date +%s) - t0 ))
PARITY="$BUILD_DIR/parity"

# --- tests: host emulation, error handling, then the device itself ---------------------------------------
step "CUDA tests"
tests_ok=1
test_lines=()
for t in test_cuda_elem test_cuda_emulation test_cuda_device_checks test_cuda_device_run; do
  out=$("$BUILD_DIR/$t" --gtest_brief=1 2>&1)
  rc=$?
  echo "$out" >>"$LOG"
  passed=$(echo "$out" | sed -n 's/.*\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
  skipped=$(echo "$out" | sed -n 's/.*\[  SKIPPED \] \([0-9]*\) test.*/\1/p' | tail -1)
  failed=$(echo "$out" | sed -n 's/^\([0-9]*\) FAILED TEST.*/\1/p' | tail -1)
  test_lines+=("$(printf '  %-26s passed %-4s skipped %-4s failed %s' "$t" "${passed:-0}" "${skipped:-0}" "${failed:-0}")")
  [ "$rc" -eq 0 ] || tests_ok=0
done

# --- campaign: ref64 vs cuda ------------------------------------------------------------------------------
step "campaign: $CASES cases, seed $SEED, ref64 vs cuda"
"$PARITY" run --seed "$SEED" --cases "$CASES" --executors ref64,cuda --out "$OUT_DIR/run" --overwrite -j "$JOBS" \
  "$@" >>"$LOG" 2>&1
run_rc=$?

step "coverage: ref64, cpu32, cuda"
"$PARITY" coverage --executors ref64,cpu32,cuda --out "$OUT_DIR/coverage" >>"$LOG" 2>&1
cov_rc=$?

# --- one-screen summary --------------------------------------------------------------------------------
device=$(command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -1)
summary=$(python3 - "$OUT_DIR/run/results.jsonl" "$OUT_DIR/coverage/coverage.json" <<'EOF' 2>&1
import collections, json, sys
rows, disp, reasons, version = 0, collections.Counter(), collections.Counter(), ""
try:
    for line in open(sys.argv[1]):
        c = json.loads(line)
        if c.get("executor") != "cuda": continue
        rows += 1
        disp[c.get("disposition", "?")] += 1
        version = c.get("version") or version
        if c.get("disposition") not in ("PASSED", "MISTRUSTED"):
            reasons[(c.get("disposition"), (c.get("reason") or "")[:90])] += 1
except OSError as e:
    print(f"  campaign: no results ({e})")
print(f"  campaign: {rows} cuda rows: " + ", ".join(f"{k} {v}" for k, v in sorted(disp.items())))
if version: print(f"  cuda: {version}")
for (d, why), n in reasons.most_common(5): print(f"    {n:5d} x {d}: {why}")
try:
    cov = json.load(open(sys.argv[2]))
    status = collections.Counter()
    for op in cov.get("ops", []):
        s = op.get("results", {}).get("cuda", {})
        status[s.get("status", "?") if isinstance(s, dict) else str(s)] += 1
    print("  coverage (cuda, per op): " + ", ".join(f"{k} {v}" for k, v in sorted(status.items())))
except (OSError, ValueError) as e:
    print(f"  coverage: no report ({e})")
EOF
)

skipped_all=0
grep -q "SKIPPED" <<<"$summary" && ! grep -qE "PASSED|DIVERGED|ERRORED" <<<"$summary" && skipped_all=1
echo
echo "GPU smoke: $( [ $skipped_all = 1 ] && echo 'NO GPU - cuda rows SKIPPED' || echo "${device:-GPU}" )"
echo "  build: ${build_s}s ($BUILD_DIR)"
printf '%s\n' "${test_lines[@]}"
echo "$summary"
echo "  campaign exit $run_rc ($OUT_DIR/run/summary.md), coverage exit $cov_rc ($OUT_DIR/coverage/coverage.md)"
echo "  log: $LOG"

status=0
[ "$tests_ok" = 1 ] || { echo "gpu-smoke: CUDA tests failed"; status=1; }
[ "$run_rc" = 0 ] || { echo "gpu-smoke: the campaign found DIVERGED or ERRORED cases (exit $run_rc)"; status=1; }
[ "$cov_rc" = 0 ] || { echo "gpu-smoke: parity coverage failed (exit $cov_rc)"; status=1; }
if [ "$skipped_all" = 1 ] && [ "${PARITY_REQUIRE_GPU:-0}" = 1 ]; then echo "gpu-smoke: no GPU but PARITY_REQUIRE_GPU=1"; status=1; fi
exit $status
