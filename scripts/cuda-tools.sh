#!/usr/bin/env bash
# cuda-tools.sh [DEST] — unpack what building the CUDA backend needs into DEST (default .cuda, which git
# ignores), installing nothing system-wide:
#   DEST/include   the CUDA 11.8 headers, cuda.h among them      (Debian non-free nvidia-cuda-dev)
#   DEST/lib       libcuda.so -> libcuda.so.1 to link against      (Debian non-free libcuda1)
#   DEST/bin/nvcc  CUDA 11.8's nvcc, for `make ptx` only           (Debian non-free nvidia-cuda-toolkit)
# A binary built with -tags cuda loads the driver's own libcuda.so.1 at run time; nothing from DEST is
# needed there.
#
# It enables Debian's contrib/non-free components in the apt sources when they are missing (as root, as
# CI runs). Idempotent: a second run with the same package versions downloads nothing.
# CUDA_TOOLS_NVCC=0 skips nvcc (all that `go vet/build -tags cuda` needs is the headers and libcuda).
# The last lines printed are the environment to build with: CGO_CFLAGS=..., CGO_LDFLAGS=..., NVCC=...
set -euo pipefail

DEST=${1:-.cuda}
mkdir -p "$DEST"
DEST=$(cd "$DEST" && pwd)
WANT_NVCC=${CUDA_TOOLS_NVCC:-1}

log() { echo "cuda-tools: $*" >&2; }

SUDO=
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO=sudo; fi

# --- 1. Debian non-free in the apt sources ---------------------------------------------------------
has_candidate() { local out; out=$(apt-cache policy "$1" 2>/dev/null); [[ "$out" =~ Candidate:\ [0-9] ]]; }

enable_nonfree() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		# deb822 ("Components: main") -> "Components: main contrib non-free non-free-firmware"
		sed -i -E '/^Components:/{/[[:space:]]non-free([[:space:]]|$)/!s/[[:space:]]*$/ contrib non-free non-free-firmware/}' "$f"
	done
	if [ -f /etc/apt/sources.list ]; then
		# one-line format ("deb URL suite main")
		sed -i -E '/^deb[[:space:]].*[[:space:]]main([[:space:]]|$)/{/[[:space:]]non-free([[:space:]]|$)/!s/[[:space:]]*$/ contrib non-free non-free-firmware/}' /etc/apt/sources.list
	fi
}

if ! has_candidate nvidia-cuda-dev || ! has_candidate libcuda1; then
	log "enabling Debian contrib non-free non-free-firmware in the apt sources"
	$SUDO bash -c "$(declare -f enable_nonfree); enable_nonfree"
	log "apt-get update"
	$SUDO apt-get update -qq
	has_candidate nvidia-cuda-dev || { log "nvidia-cuda-dev still has no candidate: is Debian non-free reachable?"; exit 1; }
fi

# --- 2. download and unpack ------------------------------------------------------------------------
PKGS=(nvidia-cuda-dev libcuda1)
[ "$WANT_NVCC" = 1 ] && PKGS+=(nvidia-cuda-toolkit)
versions=$(for p in "${PKGS[@]}"; do echo -n "$p=$(apt-cache policy "$p" | awk '/Candidate:/{print $2}') "; done)
stamp="$DEST/.stamp"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$versions" ]; then
	log "up to date in $DEST ($versions)"
else
	tmp="$DEST/.download"
	rm -rf "$tmp" "$DEST/root" "$DEST/include" "$DEST/lib" "$DEST/bin" "$stamp"
	mkdir -p "$tmp" "$DEST/root" "$DEST/lib" "$DEST/bin"
	chmod 777 "$tmp" # apt-get download drops privileges to _apt where it can
	log "downloading ${PKGS[*]}"
	(cd "$tmp" && apt-get download -qq "${PKGS[@]}" 2>&1 | grep -v 'unsandboxed' >&2 || true)
	for p in "${PKGS[@]}"; do ls "$tmp/${p}_"*.deb >/dev/null || { log "download of $p failed"; exit 1; }; done
	# Only what is used: the headers (not the 2.6 GB of libraries next to them), libcuda, the compiler.
	dpkg-deb --fsys-tarfile "$tmp"/nvidia-cuda-dev_*.deb | tar -x -C "$DEST/root" ./usr/include
	dpkg-deb --fsys-tarfile "$tmp"/libcuda1_*.deb | tar -x -C "$DEST/root" --wildcards './usr/lib/x86_64-linux-gnu/nvidia/current/libcuda.so*'
	if [ "$WANT_NVCC" = 1 ]; then
		dpkg-deb --fsys-tarfile "$tmp"/nvidia-cuda-toolkit_*.deb | tar -x -C "$DEST/root" \
			./usr/lib/nvidia-cuda-toolkit/bin ./usr/lib/nvidia-cuda-toolkit/libdevice ./usr/include/nvvm.h \
			./usr/bin/ptxas ./usr/bin/cudafe++ ./usr/bin/fatbinary ./usr/bin/nvlink ./usr/bin/cuobjdump \
			./usr/bin/nvdisasm ./usr/bin/bin2c
		tk="$DEST/root/usr/lib/nvidia-cuda-toolkit/bin"
		rm -f "$tk/gcc" "$tk/g++" # Debian's wrappers that insist on gcc <= 11
		# Debian's nvcc.profile is a link to /etc/nvcc.profile with absolute /usr paths: replace it
		# with one relative to the unpacked tree.
		rm -f "$tk/nvcc.profile"
		cat >"$tk/nvcc.profile" <<'PROFILE'
TOP                = $(_HERE_)/../../..
NVVMIR_LIBRARY_DIR = $(_HERE_)/../libdevice
PATH              += $(_HERE_):$(TOP)/bin:
INCLUDES          += "-I$(TOP)/include" $(_SPACE_)
PROFILE
		# nvcc 11.8 wants gcc <= 11; this only preprocesses for the device (-ptx, -cubin), so the
		# system's gcc does with -allow-unsupported-compiler.
		cat >"$DEST/bin/nvcc" <<WRAP
#!/bin/sh
exec "$tk/nvcc" -ccbin "\${NVCC_CCBIN:-\$(command -v gcc)}" -allow-unsupported-compiler "\$@"
WRAP
		chmod +x "$DEST/bin/nvcc"
	fi
	ln -s root/usr/include "$DEST/include"
	so=$(ls "$DEST"/root/usr/lib/x86_64-linux-gnu/nvidia/current/libcuda.so.[0-9]*.* | head -1)
	ln -sf "$so" "$DEST/lib/libcuda.so.1"
	ln -sf "$so" "$DEST/lib/libcuda.so"
	rm -rf "$tmp"
	echo "$versions" >"$stamp"
	log "unpacked into $DEST ($versions)"
fi
[ -f "$DEST/include/cuda.h" ] || { log "$DEST/include/cuda.h is missing"; exit 1; }

echo "CGO_CFLAGS=-I$DEST/include"
echo "CGO_LDFLAGS=-L$DEST/lib"
if [ -x "$DEST/bin/nvcc" ]; then echo "NVCC=$DEST/bin/nvcc"; fi
