#!/usr/bin/env bash
# Multi-stream pipeline benchmark: N xclipfilter elements in one gst-launch-1.0 process, sharing one
# model instance, for each N in STREAMS. Each run plays a live source for DURATION seconds, teed into N
# branches (or N sources with SOURCES=n), and reports per N: results (not counting the windows
# finished at EOS), aggregate windows/s (those results over DURATION), windows skipped, the mean batch, the median over streams of each stream's p50 and
# the worst stream's p95 result latency (the element's inference-time: the window reaching inference
# to its result, including the wait for the shared pass), peak RSS and the process's CPU seconds per
# result (/usr/bin/time: unlike windows/s, robust to other load on the machine).
#
#   scripts/bench-streams.sh                  (make bench-streams does the same)
#
# Environment:
#   MODEL          checkpoint folder (default testdata/xclip-tiny-a). REALSIZE=1 instead assembles a
#                  base-patch32-8f sized checkpoint from $XCLIP_GOLDEN (default ../shared/golden)
#                  formula weights and the tiny checkpoint's CLIP tokenizer, in a temporary folder.
#   STREAMS        stream counts (default "1 2 4 8 16")
#   DURATION       seconds of video per run (default 20)
#   FPS            frames per second of the source (default 30)
#   WIDTH, HEIGHT  frame size (default 320x240)
#   SOURCES        tee (default: one source teed into N branches) or n (N sources)
#   FRAME_INTERVAL, WINDOW_STRIDE, BATCH_SIZE, BATCH_TIMEOUT (ns), DEVICE, PRECISION: the element's
#                  properties (defaults 1, 0, 4, 0, cpu, auto). DEVICE=cuda needs make plugin-cuda.
#   PLUGIN_DIR     folder of libgstxclip.so (default bin; bin/cuda for make plugin-cuda, with DEVICE=cuda)
#   JSON           file to write every run's figures to, one JSON object per line (optional)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
STREAMS=${STREAMS:-"1 2 4 8 16"}
DURATION=${DURATION:-20}
FPS=${FPS:-30}
WIDTH=${WIDTH:-320}
HEIGHT=${HEIGHT:-240}
SOURCES=${SOURCES:-tee}
FRAME_INTERVAL=${FRAME_INTERVAL:-1}
WINDOW_STRIDE=${WINDOW_STRIDE:-0}
BATCH_SIZE=${BATCH_SIZE:-4}
BATCH_TIMEOUT=${BATCH_TIMEOUT:-0}
DEVICE=${DEVICE:-cpu}
PRECISION=${PRECISION:-auto}
PLUGIN_DIR=${PLUGIN_DIR:-"$root/bin"}
LABELS="a ball bouncing;a person dancing;a car driving;a dog running;people talking;an empty room;a crowd;rain"

if [ ! -e "$PLUGIN_DIR/libgstxclip.so" ]; then
	echo "bench-streams: no $PLUGIN_DIR/libgstxclip.so: run make plugin (or make plugin-cuda) first" >&2
	exit 2
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ "${REALSIZE:-0}" = 1 ]; then
	golden=${XCLIP_GOLDEN:-"$root/../shared/golden"}
	src="$golden/base-patch32-8f"
	if [ ! -e "$src/weights_manifest.json" ]; then
		echo "bench-streams: REALSIZE=1 needs $src/weights_manifest.json (set XCLIP_GOLDEN)" >&2
		exit 2
	fi
	MODEL="$tmp/base-patch32-8f"
	mkdir "$MODEL"
	ln -s "$src/config.json" "$src/weights_manifest.json" "$MODEL/"
	ln -s "$root/testdata/xclip-tiny-a/vocab.json" "$root/testdata/xclip-tiny-a/merges.txt" "$MODEL/"
fi
MODEL=${MODEL:-"$root/testdata/xclip-tiny-a"}
if ! command -v /usr/bin/time >/dev/null; then
	echo "bench-streams: /usr/bin/time is needed for the peak RSS (apt-get install time)" >&2
	exit 2
fi

export GST_PLUGIN_PATH="$PLUGIN_DIR"
export GST_REGISTRY="$tmp/registry.bin"
# Build the registry now, so that its plugin scan is not in the first run's time and memory.
gst-inspect-1.0 xclipfilter >/dev/null
buffers=$((DURATION * FPS))
caps="video/x-raw,width=$WIDTH,height=$HEIGHT,framerate=$FPS/1"
element() { # element NAME
	echo "xclipfilter name=$1 model=\"$MODEL\" labels=\"$LABELS\" frame-interval=$FRAME_INTERVAL" \
		"window-stride=$WINDOW_STRIDE batch-size=$BATCH_SIZE batch-timeout=$BATCH_TIMEOUT device=$DEVICE precision=$PRECISION"
}

echo "bench-streams: model $MODEL, ${DURATION} s of ${WIDTH}x${HEIGHT} at $FPS fps per run, sources: $SOURCES," \
	"frame-interval $FRAME_INTERVAL, batch-size $BATCH_SIZE, batch-timeout $BATCH_TIMEOUT ns, device $DEVICE"
printf '%-8s %8s %10s %8s %8s %12s %12s %10s %10s\n' streams results windows/s skipped batch p50_ms p95_ms_worst peak_MB cpu_s/win
for n in $STREAMS; do
	desc=""
	if [ "$SOURCES" = n ]; then
		for i in $(seq 0 $((n - 1))); do
			desc+=" videotestsrc is-live=true num-buffers=$buffers pattern=ball ! $caps ! $(element "x$i") ! fakesink sync=false"
		done
	else
		desc="videotestsrc is-live=true num-buffers=$buffers pattern=ball ! $caps ! tee name=t"
		for i in $(seq 0 $((n - 1))); do
			desc+=" t. ! queue max-size-buffers=4 leaky=downstream ! $(element "x$i") ! fakesink sync=false"
		done
	fi
	log="$tmp/run-$n.log"
	eval "set -- $desc" # split as the shell would: the quoted model and labels stay one word each
	/usr/bin/time -f "peak_rss_kb=%M cpu_s=%U+%S" -o "$tmp/time-$n" gst-launch-1.0 -m -e "$@" >"$log" 2>&1 || {
		echo "bench-streams: gst-launch-1.0 failed for $n streams:" >&2
		tail -20 "$log" >&2
		exit 1
	}
	python3 - "$log" "$tmp/time-$n" "$n" "$DURATION" "${JSON:-}" <<'EOF'
import json, re, statistics, sys
log, timef, n, duration, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
msg = re.compile(r'from element "([^"]+)" \(element\): xclip, .*?inference-time=\(double\)([0-9.e+-]+), '
                 r'windows-skipped=\(guint64\)(\d+), batch=\(guint64\)(\d+), final=\(boolean\)(\w+)')
lat, skipped, batches, finals = {}, {}, [], 0
for line in open(log, errors="replace"):
    m = msg.search(line)
    if m:
        name = m.group(1)
        skipped[name] = max(skipped.get(name, 0), int(m.group(3)))
        if m.group(5) == "true":  # the window finished at EOS: not part of the live run
            finals += 1
            continue
        lat.setdefault(name, []).append(float(m.group(2)))
        batches.append(int(m.group(4)))
if re.search(r"ERROR", open(log, errors="replace").read()):
    print("warning: errors in", log, file=sys.stderr)
tm = re.search(r"peak_rss_kb=(\d+) cpu_s=([0-9.]+)\+([0-9.]+)", open(timef).read())
rss, cpu = int(tm.group(1)) / 1024, float(tm.group(2)) + float(tm.group(3))
def q(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, max(0, -(-int(p * len(v) * 1000) // 1000) - 1))] if v else float("nan")
results = sum(len(v) for v in lat.values())
p50s = [q(v, 0.5) for v in lat.values()]
p95s = [q(v, 0.95) for v in lat.values()]
r = {"streams": n, "streams_with_results": len(lat), "results": results, "final_results": finals, "windows_per_s": results / duration,
     "skipped": sum(skipped.values()), "batch_mean": statistics.mean(batches) if batches else 0,
     "p50_ms_median": statistics.median(p50s) if p50s else float("nan"), "p95_ms_worst": max(p95s) if p95s else float("nan"),
     "per_stream": {k: {"results": len(v), "p50_ms": q(v, 0.5), "p95_ms": q(v, 0.95), "skipped": skipped[k]} for k, v in sorted(lat.items())},
     "peak_rss_mb": rss, "cpu_s": cpu, "cpu_s_per_result": cpu / (results + finals) if results + finals else float("nan")}
print("%-8d %8d %10.2f %8d %8.2f %12.1f %12.1f %10.0f %10.3f" % (n, results, r["windows_per_s"], r["skipped"], r["batch_mean"],
      r["p50_ms_median"], r["p95_ms_worst"], rss, r["cpu_s_per_result"]))
if len(lat) != n:
    print("warning: only %d of %d streams produced results" % (len(lat), n), file=sys.stderr)
if out:
    with open(out, "a") as f:
        f.write(json.dumps(r) + "\n")
EOF
done
