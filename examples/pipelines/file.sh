#!/usr/bin/env bash
# Classify a video file with xclipfilter and print one result per window (the "xclip" structure of
# each element message: window, labels, logits, scores, top-label, window-start/-end, ...).
#
#   make plugin
#   MODEL=./xclip-base-patch32 LABELS="a fall;a fight;nobody" examples/pipelines/file.sh video.mp4
#
# Environment: MODEL (required), LABELS, TEMPLATE (prompt template, default "a video of {}"),
# FRAME_INTERVAL (default 4), GST_PLUGIN_PATH (default: the repository's bin/).
# blocking=true classifies every window of the file (the decoder waits for inference); errors go to
# stderr and make the script fail.
set -euo pipefail

video=${1:?usage: MODEL=DIR LABELS="a;b" $0 VIDEO_FILE}
root="$(cd "$(dirname "$0")/../.." && pwd)"
: "${MODEL:?set MODEL to an X-CLIP checkpoint folder}"
LABELS=${LABELS:-"a fall;a fight;nobody"}
TEMPLATE=${TEMPLATE:-"a video of {}"}
FRAME_INTERVAL=${FRAME_INTERVAL:-4}
export GST_PLUGIN_PATH="${GST_PLUGIN_PATH:-$root/bin}"

gst-launch-1.0 -m \
	filesrc location="$video" ! decodebin ! videoconvert ! \
	xclipfilter model="$MODEL" labels="$LABELS" prompt-template="$TEMPLATE" \
		frame-interval="$FRAME_INTERVAL" blocking=true ! \
	fakesink |
	sed -un 's/^Got message #[0-9]* from element "[^"]*" (element): \(xclip, .*\)$/\1/p'
