#!/usr/bin/env bash
# Classify a video file with xclipfilter and watch the results drawn onto it by xclipoverlay: the
# latest window's best labels with their scores and bars, and the open label events. By default in a
# window (autovideosink); with OUT=file.mp4, written to an H.264 MP4 instead (no display needed).
#
#   make plugin
#   MODEL=./xclip-base-patch32 LABELS="a fall;a fight;nobody" examples/pipelines/overlay.sh video.mp4
#   MODEL=./xclip-base-patch32 OUT=overlay.mp4 examples/pipelines/overlay.sh video.mp4
#
# Environment: MODEL (required: a checkpoint folder or a hub id; testdata/xclip-tiny-a runs anywhere,
# with meaningless scores), LABELS, TEMPLATE (prompt template, default "{}"), FRAME_INTERVAL (default
# 4), TOP_K (labels drawn, default 3), POSITION (top-left, top-right, bottom-left, bottom-right),
# FONT_SCALE (0: from the frame height), OUT (an .mp4 to write instead of showing), GST_PLUGIN_PATH
# (default: the repository's bin/). Without a VIDEO_FILE, the repository's testdata/clip.mp4.
# blocking=true classifies every window of the file; errors go to stderr and make the script fail.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
video=${1:-$root/testdata/clip.mp4}
: "${MODEL:?set MODEL to an X-CLIP checkpoint folder or hub id (testdata/xclip-tiny-a for a quick look)}"
LABELS=${LABELS:-"a fall;a fight;nobody"}
TEMPLATE=${TEMPLATE:-"{}"}
FRAME_INTERVAL=${FRAME_INTERVAL:-4}
TOP_K=${TOP_K:-3}
POSITION=${POSITION:-top-left}
FONT_SCALE=${FONT_SCALE:-0}
OUT=${OUT:-}
export GST_PLUGIN_PATH="${GST_PLUGIN_PATH:-$root/bin}"
if [ ! -r "$video" ]; then
	echo "$0: cannot read video file $video" >&2
	exit 1
fi

classify=(filesrc location="$video" ! decodebin ! videoconvert !
	xclipfilter model="$MODEL" labels="$LABELS" prompt-template="$TEMPLATE"
	frame-interval="$FRAME_INTERVAL" blocking=true !
	xclipoverlay top-k="$TOP_K" position="$POSITION" font-scale="$FONT_SCALE" ! videoconvert !)
if [ -n "$OUT" ]; then
	exec gst-launch-1.0 -q "${classify[@]}" video/x-raw,format=I420 ! x264enc ! h264parse ! mp4mux ! \
		filesink location="$OUT"
fi
exec gst-launch-1.0 -q "${classify[@]}" autovideosink
