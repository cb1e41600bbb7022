#!/usr/bin/env bash
# Classify an RTSP camera stream, printing one line per window (FORMAT=json: one JSON object).
#
#   make plugin
#   MODEL=./xclip-base-patch32 LABELS="a person;a car;nobody" examples/pipelines/rtsp.sh rtsp://camera/stream
#
# rtspsrc is in gstreamer1.0-plugins-good; decoding H.264 needs gstreamer1.0-libav (scripts/setup.sh
# installs both). Environment: MODEL (required), LABELS, TEMPLATE (default "{}"), FORMAT (text or
# json), FRAME_INTERVAL (default 4), LATENCY (jitter buffer, ms, default 200), GST_PLUGIN_PATH.
set -euo pipefail

url=${1:?usage: MODEL=DIR LABELS="a;b" $0 rtsp://HOST/PATH}
root="$(cd "$(dirname "$0")/../.." && pwd)"
: "${MODEL:?set MODEL to an X-CLIP checkpoint folder}"
LABELS=${LABELS:-"a person;a car;nobody"}
TEMPLATE=${TEMPLATE:-"{}"}
FORMAT=${FORMAT:-text}
FRAME_INTERVAL=${FRAME_INTERVAL:-4}
LATENCY=${LATENCY:-200}
export GST_PLUGIN_PATH="${GST_PLUGIN_PATH:-$root/bin}"

exec gst-launch-1.0 -q \
	rtspsrc location="$url" latency="$LATENCY" ! decodebin ! videoconvert ! \
	xclipfilter model="$MODEL" labels="$LABELS" prompt-template="$TEMPLATE" \
		frame-interval="$FRAME_INTERVAL" print="$FORMAT" ! \
	fakesink sync=true
