#!/usr/bin/env bash
# The main job, from a fresh machine: install what is missing (scripts/setup.sh), build the plugin and
# bin/xclip, get the model, and classify a video with gst-launch-1.0, printing one line per window
# (the element's print property).
#
#   scripts/run.sh [VIDEO]       (make run [VIDEO=FILE] does the same)
#
# VIDEO: a video file GStreamer can decode; default testdata/clip.mp4 (8 s of videotestsrc's moving
# ball, made by scripts/make-clip.sh).
# Environment:
#   MODEL   a checkpoint folder, or a Hugging Face hub id org/name[@revision] fetched into the shared
#           hub cache with `bin/xclip download` (default microsoft/xclip-base-patch32). When it cannot
#           be had (offline and not cached), the repository's tiny random checkpoint is used instead,
#           with a loud notice: its labels and scores are then meaningless.
#   LABELS  labels separated by ";" (default "a ball bouncing;a person dancing;a car driving")
#   FORMAT  text (default) or json (one object per window); TEMPLATE, FRAME_INTERVAL, TOP_K: see
#           examples/pipelines/file.sh
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
video=${1:-"$root/testdata/clip.mp4"}
if [ ! -r "$video" ]; then
	echo "run: cannot read video file $video" >&2
	exit 1
fi
MODEL=${MODEL:-microsoft/xclip-base-patch32}
export LABELS=${LABELS:-"a ball bouncing;a person dancing;a car driving"}
tiny="$root/testdata/xclip-tiny-a"

"$root/scripts/setup.sh"
export PATH="$PATH:/usr/local/go/bin"
# The plugin; bin/xclip too when the model must be fetched (from a cold Go cache each takes minutes).
targets=(plugin)
[ -d "$MODEL" ] || targets+=(build)
SETUP_SKIP=1 make -C "$root" --no-print-directory "${targets[@]}" >&2

# The model: a folder as it is; anything else goes through the hub client.
if [ -d "$MODEL" ]; then
	model=$MODEL
else
	echo "run: fetching $MODEL (bin/xclip download)" >&2
	# Its progress and errors go to stderr as they come; the folder is its standard output.
	if model=$("$root/bin/xclip" download "$MODEL") && [ -d "$model" ]; then
		:
	else
		{
			echo
			echo "################################################################################"
			echo "##  NOTICE: could not get the model $MODEL (bin/xclip download says why, above)."
			echo "##  Using the repository's TINY RANDOM TEST CHECKPOINT instead:"
			echo "##    $tiny"
			echo "##  ITS LABELS AND SCORES ARE MEANINGLESS. Go online (or set HF_ENDPOINT), or set"
			echo "##  MODEL to a downloaded X-CLIP checkpoint folder, for real classification."
			echo "################################################################################"
			echo
		} >&2
		model=$tiny
	fi
fi

echo "run: classifying $video with $model" >&2
MODEL=$model GST_PLUGIN_PATH="$root/bin" "$root/examples/pipelines/file.sh" "$video"
