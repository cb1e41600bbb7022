#!/usr/bin/env bash
# Classify a video file with xclipfilter and print a timeline, one line per window: the window's first
# and last frame times, its number and the best labels with their scores (the element's print
# property), or one JSON object per window with FORMAT=json.
#
#   make plugin
#   MODEL=./xclip-base-patch32 LABELS="a fall;a fight;nobody" examples/pipelines/file.sh video.mp4
#
# Environment: MODEL (required: a checkpoint folder, or a hub id once the element resolves them),
# LABELS, TEMPLATE (prompt template, default "{}": labels are encoded as written), FORMAT (text or
# json, default text), FRAME_INTERVAL (default 4), TOP_K (default 3), GST_PLUGIN_PATH (default: the
# repository's bin/). blocking=true classifies every window of the file (the decoder waits for
# inference); errors go to stderr and make the script fail.
set -euo pipefail

video=${1:?usage: MODEL=DIR LABELS="a;b" $0 VIDEO_FILE}
root="$(cd "$(dirname "$0")/../.." && pwd)"
: "${MODEL:?set MODEL to an X-CLIP checkpoint folder}"
LABELS=${LABELS:-"a fall;a fight;nobody"}
TEMPLATE=${TEMPLATE:-"{}"}
FORMAT=${FORMAT:-text}
FRAME_INTERVAL=${FRAME_INTERVAL:-4}
TOP_K=${TOP_K:-3}
export GST_PLUGIN_PATH="${GST_PLUGIN_PATH:-$root/bin}"
if [ ! -r "$video" ]; then
	echo "$0: cannot read video file $video" >&2
	exit 1
fi

exec gst-launch-1.0 -q \
	filesrc location="$video" ! decodebin ! videoconvert ! \
	xclipfilter model="$MODEL" labels="$LABELS" prompt-template="$TEMPLATE" \
		frame-interval="$FRAME_INTERVAL" top-k="$TOP_K" print="$FORMAT" blocking=true ! \
	fakesink
