#!/usr/bin/env bash
# Makes testdata/clip.mp4, the main job's video when it is given none: 8 s of GStreamer's videotestsrc
# "ball" pattern (a white ball moving over black), 320x240 at 30 fps, H.264 (x264enc, one thread so
# that the bytes depend only on the encoder version) in MP4. Committed, so that neither the main job
# nor the tests need an encoder; this script says how it was made.
#
#   scripts/make-clip.sh [OUTPUT]     (default testdata/clip.mp4)
set -euo pipefail
out=${1:-"$(cd "$(dirname "$0")/.." && pwd)/testdata/clip.mp4"}
gst-launch-1.0 -q videotestsrc pattern=ball num-buffers=240 ! \
	video/x-raw,width=320,height=240,framerate=30/1,format=I420 ! \
	x264enc threads=1 bitrate=160 key-int-max=60 ! video/x-h264,profile=main ! \
	mp4mux ! filesink location="$out"
