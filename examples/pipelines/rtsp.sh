#!/usr/bin/env bash
# Classify an RTSP camera stream, printing one result per window.
#
#   make plugin
#   MODEL=./xclip-base-patch32 LABELS="a person;a car;nobody" examples/pipelines/rtsp.sh rtsp://camera/stream
#
# rtspsrc is in gstreamer1.0-plugins-good; decoding H.264/H.265 needs a decoder plugin
# (gstreamer1.0-libav, or gstreamer1.0-plugins-bad/-ugly). Environment: MODEL (required), LABELS,
# TEMPLATE, FRAME_INTERVAL (default 4), LATENCY (jitter buffer, ms, default 200), GST_PLUGIN_PATH.
set -euo pipefail

url=${1:?usage: MODEL=DIR LABELS="a;b" $0 rtsp://HOST/PATH}
root="$(cd "$(dirname "$0")/../.." && pwd)"
: "${MODEL:?set MODEL to an X-CLIP checkpoint folder}"
LABELS=${LABELS:-"a person;a car;nobody"}
TEMPLATE=${TEMPLATE:-"a video of {}"}
FRAME_INTERVAL=${FRAME_INTERVAL:-4}
LATENCY=${LATENCY:-200}
export GST_PLUGIN_PATH="${GST_PLUGIN_PATH:-$root/bin}"

gst-launch-1.0 -m \
	rtspsrc location="$url" latency="$LATENCY" ! decodebin ! videoconvert ! \
	xclipfilter model="$MODEL" labels="$LABELS" prompt-template="$TEMPLATE" \
		frame-interval="$FRAME_INTERVAL" ! \
	fakesink sync=true |
	sed -un 's/^Got message #[0-9]* from element "[^"]*" (element): \(xclip, .*\)$/\1/p'
