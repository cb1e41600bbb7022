#!/usr/bin/env bash
# Classify an RTSP camera stream, printing one line per window (FORMAT=json: one JSON object), and keep
# at it when the camera goes away: gst-launch-1.0 runs in a loop that reconnects with backoff.
#
#   make plugin
#   MODEL=./xclip-base-patch32 LABELS="a person;a car;nobody" examples/pipelines/rtsp.sh rtsp://camera/stream
#
# A killed or unreachable server makes rtspsrc fail ("Could not connect to server"); a frozen one makes
# it end the stream after its RTCP timeout (a clean EOS, exit 0). For a camera neither is the end, so
# every exit of gst-launch-1.0 is followed by a new attempt after BACKOFF_MIN seconds, doubling up to
# BACKOFF_MAX, back to BACKOFF_MIN after a run that lasted longer than BACKOFF_MAX. Ctrl+C (SIGINT) or
# SIGTERM ends the loop. xclipfilter's stall-timeout (STALL_TIMEOUT ms) prints a warning when no frame
# arrives for that long. Each new connection starts new windows (window numbers restart at 0).
# To run several cameras in one process with one model and a per-camera status, see `xclip watch`.
#
# rtspsrc is in gstreamer1.0-plugins-good; decoding H.264 needs gstreamer1.0-libav (scripts/setup.sh
# installs both). Environment: MODEL (required), LABELS, TEMPLATE (default "{}"), FORMAT (text or
# json), FRAME_INTERVAL (default 4), LATENCY (jitter buffer, ms, default 200), STALL_TIMEOUT (ms,
# default 10000), BACKOFF_MIN (s, default 1), BACKOFF_MAX (s, default 30), RETRIES (attempts in a row
# without a long run before giving up, default 0: never), GST_PLUGIN_PATH.
# scripts/rtsp-server.py serves a test stream to try it: scripts/rtsp-server.py --port 8554 &
set -uo pipefail

url=${1:?usage: MODEL=DIR LABELS="a;b" $0 rtsp://HOST/PATH}
root="$(cd "$(dirname "$0")/../.." && pwd)"
: "${MODEL:?set MODEL to an X-CLIP checkpoint folder}"
LABELS=${LABELS:-"a person;a car;nobody"}
TEMPLATE=${TEMPLATE:-"{}"}
FORMAT=${FORMAT:-text}
FRAME_INTERVAL=${FRAME_INTERVAL:-4}
LATENCY=${LATENCY:-200}
STALL_TIMEOUT=${STALL_TIMEOUT:-10000}
BACKOFF_MIN=${BACKOFF_MIN:-1}
BACKOFF_MAX=${BACKOFF_MAX:-30}
RETRIES=${RETRIES:-0}
export GST_PLUGIN_PATH="${GST_PLUGIN_PATH:-$root/bin}"

stopping=0
child=0
stop() {
	stopping=1
	if [ "$child" != 0 ]; then kill -INT "$child" 2>/dev/null; fi
}
trap stop INT TERM

wait_s=$BACKOFF_MIN
failures=0
while :; do
	started=$SECONDS
	gst-launch-1.0 -q \
		rtspsrc location="$url" latency="$LATENCY" ! decodebin ! videoconvert ! \
		xclipfilter model="$MODEL" labels="$LABELS" prompt-template="$TEMPLATE" \
			frame-interval="$FRAME_INTERVAL" stall-timeout="$STALL_TIMEOUT" print="$FORMAT" ! \
		fakesink sync=true &
	child=$!
	wait "$child"
	rc=$?
	# wait returns early when a trapped signal arrives: wait again for gst-launch-1.0 to finish.
	while kill -0 "$child" 2>/dev/null; do wait "$child"; rc=$?; done
	child=0
	[ "$stopping" = 1 ] && exit 0
	if [ $((SECONDS - started)) -gt "$BACKOFF_MAX" ]; then
		wait_s=$BACKOFF_MIN failures=0 # it ran for a while: the next drop reconnects quickly again
	fi
	failures=$((failures + 1))
	if [ "$RETRIES" != 0 ] && [ "$failures" -gt "$RETRIES" ]; then
		echo "rtsp.sh: $url: giving up after $RETRIES attempts (last exit status $rc)" >&2
		exit 1
	fi
	echo "rtsp.sh: $url: stream ended (exit status $rc); reconnecting in ${wait_s} s" >&2
	sleep "$wait_s" &
	child=$!
	wait "$child"
	child=0
	[ "$stopping" = 1 ] && exit 0
	wait_s=$((wait_s * 2 > BACKOFF_MAX ? BACKOFF_MAX : wait_s * 2))
done
