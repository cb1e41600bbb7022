#!/usr/bin/env bash
# Classify a webcam (V4L2) live and show it, printing one line per window (FORMAT=json: one JSON
# object). Windows are skipped while inference is busy, so the picture never waits for the model.
#
#   make plugin
#   MODEL=./xclip-base-patch32 LABELS="someone waving;someone drinking;nobody" examples/pipelines/webcam.sh
#
# Environment: MODEL (required), LABELS, TEMPLATE (default "{}"), FORMAT (text or json), DEVICE
# (default /dev/video0), FRAME_INTERVAL (default 4: at 30 fps and 8 frames a window, windows of about
# a second), GST_PLUGIN_PATH. Use SINK=fakesink on a machine without a display.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
: "${MODEL:?set MODEL to an X-CLIP checkpoint folder}"
LABELS=${LABELS:-"someone waving;someone drinking;nobody"}
TEMPLATE=${TEMPLATE:-"{}"}
FORMAT=${FORMAT:-text}
DEVICE=${DEVICE:-/dev/video0}
FRAME_INTERVAL=${FRAME_INTERVAL:-4}
SINK=${SINK:-autovideosink}
export GST_PLUGIN_PATH="${GST_PLUGIN_PATH:-$root/bin}"

exec gst-launch-1.0 -q \
	v4l2src device="$DEVICE" ! videoconvert ! \
	xclipfilter model="$MODEL" labels="$LABELS" prompt-template="$TEMPLATE" \
		frame-interval="$FRAME_INTERVAL" attach-meta=true print="$FORMAT" ! \
	videoconvert ! "$SINK"
