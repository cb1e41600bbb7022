#!/usr/bin/env bash
# gpu-check.sh — the CUDA backend's checks on a GPU, in one run that ends well within 10 minutes.
#
# Here (no GPU needed), once:
#   scripts/gpu-check.sh --prepare [DIR]     (DIR defaults to .devicework/gpu-check, which git ignores)
# builds bin/xclip-cuda-check and bin/xclip-cuda with -tags cuda and copies them, the golden files the
# checks read (../shared/golden: configs, weights or formula manifests, golden outputs; ~17 MB) and the
# peer's bench scripts (../shared/bench) into DIR (about 35 MB in all).
#
# On the GPU machine (carry DIR):
#   scripts/gpu-check.sh [DIR]
# runs, each step under its own time cap, logging into $OUT (or DIR/out):
#   1. ops      every backend operation against the reference backend, fp32/bf16/fp16  (ops.txt)
#   2. parity   tiny-a, tiny-b and the four real-size configs vs golden, fp32/bf16/fp16 (parity.txt)
#   3. ours     base-patch32 8 frames, ClassifyBatchMat (8 labels) on device-resident pixels, bf16 and fp16,
#               batch 1, 8, 64, 256                                                   (ours.jsonl)
#   4. eager    the peer (HF XCLIPModel.get_video_features, sdpa, bf16) timed by bench_peer.py's own
#               build()/timeit() at the same batch sizes                             (peer_eager.jsonl)
#   5. compiled bench_peer_compiled.py (torch.compile reduce-overhead, bf16)          (peer_compiled.jsonl)
# and prints one summary: pass counts, then ours vs both peers per batch with the issue's targets and
# TFLOP/s against the card's bf16 peak. SKIP_EAGER=1 / SKIP_COMPILED=1 leave a peer out.
set -uo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)

if [ "${1:-}" = "--prepare" ]; then
	set -e
	dir=${2:-$here/.devicework/gpu-check}
	golden=${XCLIP_GOLDEN:-$here/../shared/golden}
	bench=${XCLIP_BENCH:-$here/../shared/bench}
	(cd "$here" && make xclip-cuda)
	rm -rf "$dir"
	mkdir -p "$dir/bin" "$dir/golden" "$dir/bench"
	cp "$here/bin/xclip-cuda-check" "$here/bin/xclip-cuda" "$dir/bin/"
	for c in xclip-tiny-a xclip-tiny-b base-patch32-8f base-patch32-16f base-patch16-8f large-patch14-8f; do
		mkdir -p "$dir/golden/$c"
		for f in config.json model.safetensors weights_manifest.json golden.safetensors; do
			[ -f "$golden/$c/$f" ] && cp "$golden/$c/$f" "$dir/golden/$c/"
		done
	done
	cp "$golden/README.md" "$dir/golden/" 2>/dev/null || true
	cp "$bench"/*.py "$dir/bench/"
	du -sh "$dir"
	echo "prepared $dir: on the GPU run scripts/gpu-check.sh ${dir#$here/}"
	exit 0
fi

dir=${1:-$here/.devicework/gpu-check}
case "$dir" in /*) ;; *) dir="$here/$dir" ;; esac
out=${OUT:-$dir/out}
mkdir -p "$out"
bin="$dir/bin/xclip-cuda-check"
golden="$dir/golden"
bench="$dir/bench"
[ -x "$bin" ] || { echo "gpu-check: $bin missing: run scripts/gpu-check.sh --prepare first" >&2; exit 1; }
export PYTHONUNBUFFERED=1
# For testing this script without a GPU: GPU_CHECK_DEVICE=emu (an untagged xclip-cuda-check),
# GPU_CHECK_CONFIGS / GPU_CHECK_BENCH_CONFIG / GPU_CHECK_BATCHES to shrink the work.
device=${GPU_CHECK_DEVICE:-cuda}
configs=${GPU_CHECK_CONFIGS:-xclip-tiny-a,xclip-tiny-b,base-patch32-8f,base-patch32-16f,base-patch16-8f,large-patch14-8f}
bench_config=${GPU_CHECK_BENCH_CONFIG:-base-patch32-8f}
batches=${GPU_CHECK_BATCHES:-1,8,64,256}
t0=$(date +%s)
step() { echo "=== $1 ($(($(date +%s) - t0)) s)"; }

step "device"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader 2>&1 | tee "$out/device.txt"

step "ops (cap 60 s)"
timeout 60 "$bin" ops --device "$device" --dtype fp32,bf16,fp16 >"$out/ops.txt" 2>&1
echo "exit $?" >>"$out/ops.txt"
grep -E "FAIL|^ops:|panic|rror" "$out/ops.txt" | head -40

step "parity (cap 180 s)"
timeout 180 "$bin" parity --device "$device" --configs "$configs" --golden "$golden" --dtype fp32,bf16,fp16 >"$out/parity.txt" 2>&1
echo "exit $?" >>"$out/parity.txt"
grep -E "FAIL|^parity:|panic|rror" "$out/parity.txt" | head -40

step "ours: bench bf16, fp16 (cap 100 s)"
timeout 100 "$bin" bench --device "$device" --golden "$golden" --config "$bench_config" --dtype bf16,fp16 --batch "$batches" --json \
	>"$out/ours.jsonl" 2>"$out/ours.err"
echo "exit $?" >>"$out/ours.err"
cat "$out/ours.jsonl"; tail -3 "$out/ours.err"

if [ -z "${SKIP_EAGER:-}" ]; then
	step "peer eager: bench_peer.py build()/timeit(), base-patch32 sdpa bf16 (cap 90 s)"
	timeout 90 python3 - "$bench" >"$out/peer_eager.jsonl" 2>"$out/peer_eager.err" <<'PY'
import json, sys
import torch
sys.path.insert(0, sys.argv[1])
import bench_peer as bp
m, err = bp.build("base-patch32", "sdpa", torch.bfloat16)
if m is None:
    print(json.dumps({"peer": "hf-eager-sdpa", "error": err}))
    sys.exit(0)
for b in (1, 8, 64, 256):
    pv = torch.randn(b, 8, 3, 224, 224, device="cuda", dtype=torch.bfloat16)
    with torch.inference_mode():
        ms = bp.timeit(lambda: m.get_video_features(pixel_values=pv), 20, 5)
    print(json.dumps({"peer": "hf-eager-sdpa", "dtype": "bf16", "batch": b, "ms": round(ms, 3),
                      "windows_per_s": round(b * 1000 / ms, 1)}), flush=True)
    del pv
PY
	echo "exit $?" >>"$out/peer_eager.err"
	cat "$out/peer_eager.jsonl"
fi

if [ -z "${SKIP_COMPILED:-}" ]; then
	step "peer compiled: bench_peer_compiled.py (cap 200 s)"
	timeout 200 python3 "$bench/bench_peer_compiled.py" >"$out/peer_compiled.jsonl" 2>"$out/peer_compiled.err"
	echo "exit $?" >>"$out/peer_compiled.err"
	cat "$out/peer_compiled.jsonl"
fi

step "summary"
python3 - "$out" <<'PY' | tee "$out/summary.txt"
import json, os, re, sys
out = sys.argv[1]
def lines(name):
    p = os.path.join(out, name)
    if not os.path.exists(p):
        return []
    rows = []
    for l in open(p):
        l = l.strip()
        if l.startswith("{"):
            try:
                rows.append(json.loads(l))
            except ValueError:
                pass
    return rows
def counts(name):
    p = os.path.join(out, name)
    if not os.path.exists(p):
        return "not run"
    m = re.findall(r"^\w+: (\d+) passed, (\d+) failed", open(p).read(), re.M)
    return f"{m[-1][0]} passed, {m[-1][1]} failed" if m else "no result (crashed or timed out: see " + name + ")"
print("device:", open(os.path.join(out, "device.txt")).read().strip() if os.path.exists(os.path.join(out, "device.txt")) else "?")
print("ops:   ", counts("ops.txt"))
print("parity:", counts("parity.txt"))
ours = {(r.get("dtype"), r.get("batch")): r for r in lines("ours.jsonl") if not r.get("error")}
eager = {r["batch"]: r for r in lines("peer_eager.jsonl") if "batch" in r}
comp = {r["batch"]: r for r in lines("peer_compiled.jsonl") if "batch" in r}
peak = 790.0
print()
print(f"{'batch':>5} {'ours bf16 w/s':>13} {'ms':>8} {'TFLOP/s':>8} {'%peak':>6} {'ours fp16 w/s':>13} {'eager w/s':>10} {'compiled w/s':>12} {'vs compiled':>11} {'graph ok':>8}")
for b in (1, 8, 64, 256):
    o, o16 = ours.get(("bf16", b)), ours.get(("fp16", b))
    e, c = eager.get(b), comp.get(b)
    f = lambda r, k, fmt: (fmt % r[k]) if r and k in r else "-"
    ratio = (o["windows_per_s"] / c["windows_per_s"]) if o and c else None
    print(f"{b:>5} {f(o,'windows_per_s','%.1f'):>13} {f(o,'ms','%.3f'):>8} {f(o,'tflops','%.1f'):>8} "
          f"{(('%.1f' % (100*o['tflops']/peak)) if o else '-'):>6} {f(o16,'windows_per_s','%.1f'):>13} "
          f"{f(e,'windows_per_s','%.1f'):>10} {f(c,'windows_per_s','%.1f'):>12} "
          f"{(('%.2fx' % ratio) if ratio else '-'):>11} {str(o.get('graph_replay_identical')) if o else '-':>8}")
print()
def target(name, ok, detail):
    print(f"{'PASS' if ok else ('FAIL' if ok is not None else 'n/a ')} {name}: {detail}")
o1, o8, o256 = ours.get(("bf16", 1)), ours.get(("bf16", 8)), ours.get(("bf16", 256))
target("batch 1 latency <= 0.8 ms", (o1["latency_ms"] <= 0.8) if o1 else None, f"{o1['latency_ms']:.3f} ms" if o1 else "no result")
for b, o, want, fallback in ((8, o8, 2.0, 2572.0), (256, o256, 1.1, 4079.0)):
    c = comp.get(b)
    base = c["windows_per_s"] if c else fallback
    src = "compiled peer this run" if c else "issue's figure"
    target(f"batch {b} >= {want}x compiled peer", (o["windows_per_s"] >= want * base) if o else None,
           f"{o['windows_per_s']:.1f} vs {want}x{base:.1f} ({src})" if o else "no result")
PY
echo "gpu-check: done in $(($(date +%s) - t0)) s; logs in $out"
