#!/usr/bin/env bash
# Installs the Debian packages this project needs, and only those missing, so that the README's two
# commands (scripts/run.sh and scripts/test.sh) work on a fresh Debian 12 machine with nothing but Go.
# Both run it first; make runs it before building (target setup) and CI (.ci/run) too. This is the one
# list of packages.
#
#   scripts/setup.sh           install what is missing (apt-get, through sudo when not root)
#   scripts/setup.sh --check   only list what is missing; exit 1 if anything is
#   scripts/setup.sh --list    print the list
#
# SETUP_SKIP=1 skips it (a machine managed otherwise). apt-get update runs only when something is missing.
set -euo pipefail

packages=(
	# the build: cgo and make; objdump for the kernel emulation test
	make gcc binutils pkg-config
	# GStreamer 1.22 development files (the plugin) and tools (gst-launch-1.0, gst-inspect-1.0)
	libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev gstreamer1.0-tools
	# elements: videotestsrc/videoconvert/decodebin (base), mp4mux/qtdemux/v4l2src/rtspsrc (good),
	# x264enc (ugly: the main job's own clip), avdec_h264 (libav: decoding H.264 files and streams)
	gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly gstreamer1.0-libav
	# reading the element's messages from Python (PyGObject), as doc.go shows and a test checks
	python3-gi gir1.2-gstreamer-1.0
	# scripts/rtsp-server.py (the RTSP server of the watch tests and of trying rtsp.sh)
	gir1.2-gst-rtsp-server-1.0
	# RTSP serving (tests of rtsp.sh) and MQTT publishing of results
	gstreamer1.0-rtsp libgstrtspserver-1.0-dev mosquitto mosquitto-clients
)

if [ "${1:-}" = --list ]; then
	printf '%s\n' "${packages[@]}"
	exit 0
fi

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
if [ "${1:-}" = --check ]; then
	echo "missing packages: ${missing[*]}"
	exit 1
fi
if [ "${SETUP_SKIP:-}" = 1 ]; then
	echo "setup: SETUP_SKIP=1: not installing the missing packages: ${missing[*]}" >&2
	exit 0
fi
if ! command -v apt-get >/dev/null; then
	echo "setup: missing packages (${missing[*]}) and no apt-get: install their equivalents by hand" >&2
	exit 1
fi

sudo=()
if [ "$(id -u)" != 0 ]; then
	if ! command -v sudo >/dev/null; then
		echo "setup: missing packages (${missing[*]}): run as root or install sudo" >&2
		exit 1
	fi
	sudo=(sudo)
fi
echo "setup: installing ${missing[*]}" >&2
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
