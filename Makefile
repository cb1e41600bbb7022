# xclipfilter — build, run, test, install and benchmark.
#
#   make run      the main job: build the plugin and bin/xclip, classify a video (VIDEO=FILE; default the
#                 repository's own clip), printing one line per window
#   make test     every test
#
# Both install the Debian packages they need first, when missing (scripts/setup.sh; SETUP_SKIP=1 skips).
# Golden tests of the tiny checkpoints, the tokenizer and the image processor use testdata/ (or the
# originals under XCLIP_GOLDEN when it is set). Golden tests of the real-size configurations compare with the peer implementation's outputs in $(XCLIP_GOLDEN) (by default
# ../shared/golden when it exists). When XCLIP_GOLDEN is set and the data is missing, they fail.

GO          ?= go
BIN         ?= bin
XCLIP_GOLDEN ?= $(wildcard $(abspath ../shared/golden))
export XCLIP_GOLDEN

.PHONY: all setup build plugin run test test-short vet fuzz bench bench-streams clean install uninstall soak

all: build

# The Debian packages of the build, the tests and the examples, installed when missing (one list, in
# scripts/setup.sh, which .ci/run uses too).
setup:
	@scripts/setup.sh

build: setup
	$(GO) build -o $(BIN)/xclip ./cmd/xclip

# The GStreamer plugin (cgo, GStreamer >= 1.22 development files): GST_PLUGIN_PATH=$(BIN) gst-inspect-1.0 xclipfilter
plugin: setup
	$(GO) build -buildmode=c-shared -o $(BIN)/libgstxclip.so ./plugin
	rm -f $(BIN)/libgstxclip.h

vet: setup
	$(GO) vet ./...
	@test -z "$$(gofmt -l .)" || (echo "gofmt needed:"; gofmt -l .; exit 1)

# Every test, golden comparisons of all four real-size configurations included.
test: vet
	$(GO) test -timeout 60m ./...

# The quick loop: only base-patch32 among the real-size configurations.
test-short: setup
	$(GO) test -short ./...

# The main job (scripts/run.sh, which builds the plugin and bin/xclip): classify VIDEO (default
# testdata/clip.mp4) with the plugin through gst-launch-1.0, printing a timeline (FORMAT=text, or json:
# one object per window). MODEL is a folder or a hub id (default microsoft/xclip-base-patch32, fetched
# with bin/xclip download; offline, the tiny test checkpoint with a loud notice), LABELS "a;b;c".
VIDEO ?=
run:
	scripts/run.sh $(if $(VIDEO),"$(VIDEO)")

# Install the plugin where GStreamer finds it without GST_PLUGIN_PATH, and bin/xclip. Without PREFIX or
# DESTDIR: the user's plugin folder ($$XDG_DATA_HOME or ~/.local/share, /gstreamer-1.0/plugins) and
# ~/.local/bin. With them: GStreamer's pluginsdir (pkg-config), re-rooted under PREFIX when given, and
# PREFIX/bin (default /usr/local/bin), all under DESTDIR.
PREFIX  ?=
DESTDIR ?=
ifeq ($(PREFIX)$(DESTDIR),)
PLUGINDIR ?= $(or $(XDG_DATA_HOME),$(HOME)/.local/share)/gstreamer-1.0/plugins
BINDIR    ?= $(HOME)/.local/bin
else
PLUGINDIR ?= $(DESTDIR)$(shell pkg-config $(if $(PREFIX),--define-variable=prefix=$(PREFIX)) --variable=pluginsdir gstreamer-1.0)
BINDIR    ?= $(DESTDIR)$(or $(PREFIX),/usr/local)/bin
endif

install: plugin build
	@test -n "$(filter /%,$(PLUGINDIR))" || { echo "install: no plugin folder (is pkg-config and libgstreamer1.0-dev installed?)" >&2; exit 1; }
	install -d "$(PLUGINDIR)" "$(BINDIR)"
	install -m 0644 $(BIN)/libgstxclip.so "$(PLUGINDIR)/libgstxclip.so"
	install -m 0755 $(BIN)/xclip "$(BINDIR)/xclip"
	@echo "installed $(PLUGINDIR)/libgstxclip.so and $(BINDIR)/xclip"

uninstall:
	rm -f "$(PLUGINDIR)/libgstxclip.so" "$(BINDIR)/xclip"

# A longer fuzzing session of the parsers (their seeds already run in every `make test`).
fuzz:
	$(GO) test ./model/safetensors -run XXX -fuzz FuzzParse -fuzztime 60s
	$(GO) test ./model/tokenizer -run XXX -fuzz FuzzEncode -fuzztime 60s
	$(GO) test ./model/torchbin -run XXX -fuzz FuzzUnpickle -fuzztime 60s -fuzzminimizetime 5s
	$(GO) test ./model -run XXX -fuzz FuzzLoadConfigAndHeader -fuzztime 60s

# The CPU numbers of the README's performance section, in one run: windows of base-patch32 (8 frames,
# 8 cached labels) with fp32 and with bf16 weights on all cores, the label-encoding time, the sgemm
# roofline (this run's best GEMM rate at M=400, K=768, N=3072) and the model's ratio to it, and the
# PyTorch CPU reference side by side (../shared/bench/torch_xclip.py, at 1 and 2 threads, when python3
# with torch is installed; in fp32 for the fp32 run and with bf16 Linear weights, through oneDNN, for the
# bf16 run): 3 rounds of our runs, each followed by the reference's, so that both are timed on the
# machine as it is at that moment. BENCH_FLAGS adds xclip bench flags (--json, --threads N,
# --batch N, --runs N, --rounds N).
BENCH_MODEL ?= $(if $(XCLIP_GOLDEN),$(XCLIP_GOLDEN)/base-patch32-8f)
BENCH_TORCH ?= $(wildcard $(abspath ../shared/bench/torch_xclip.py))
bench: bench-model build
.PHONY: bench-model
bench-model:
	@test -n "$(BENCH_MODEL)" -a -e "$(BENCH_MODEL)/config.json" || { \
		echo "make bench: no model to time$(if $(BENCH_MODEL), ($(BENCH_MODEL) has no config.json)). Set BENCH_MODEL=DIR (an X-CLIP" >&2; \
		echo "checkpoint folder, e.g. microsoft/xclip-base-patch32 as downloaded) or XCLIP_GOLDEN=DIR (the golden folder," >&2; \
		echo "whose base-patch32-8f is timed; ../shared/golden is used when it exists)." >&2; exit 2; }
	$(BIN)/xclip bench --model $(BENCH_MODEL) --dtype fp32 $(if $(BENCH_TORCH),--torch $(BENCH_TORCH)) $(BENCH_FLAGS)
	$(BIN)/xclip bench --model $(BENCH_MODEL) --dtype bf16 $(if $(BENCH_TORCH),--torch $(BENCH_TORCH)) $(BENCH_FLAGS)

# Multi-stream pipeline benchmark: N xclipfilter elements sharing one model in one gst-launch-1.0 process
# (a live source teed N ways), N = 1 2 4 8 16: aggregate windows/s, skipped windows, per-stream p50/p95
# latency, peak RSS. STREAMS, DURATION, SOURCES=n, BATCH_SIZE, BATCH_TIMEOUT, DEVICE, MODEL=DIR or
# REALSIZE=1 (a base-patch32-8f sized checkpoint from formula weights): see scripts/bench-streams.sh.
# For N streams through the engine without GStreamer: bin/xclip bench --model DIR --streams N.
# On a GPU: make plugin-cuda && PLUGIN_DIR=bin/cuda DEVICE=cuda BATCH_SIZE=16 scripts/bench-streams.sh
bench-streams: plugin
	PLUGIN_DIR=$(abspath $(BIN)) scripts/bench-streams.sh

# The soak (internal/soak): a live source through xclipfilter and xclipmetapublish to a mosquitto broker
# killed and restarted every minute, for DURATION (default 10m), with the base-patch32-sized formula
# checkpoint when XCLIP_GOLDEN is there (else the tiny one; SOAK_MODEL=DIR picks a checkpoint). Prints
# results published, dropped and skipped, broker restarts survived, RSS after warm-up and at the end, and
# buffer lateness p99 in the first and last third, and fails when either grows. `go test ./...` runs the
# same test for 40 s.
DURATION   ?= 10m
SOAK_MODEL ?=
soak: setup
	XCLIP_SOAK=$(DURATION) $(if $(SOAK_MODEL),XCLIP_SOAK_MODEL=$(SOAK_MODEL)) \
		$(GO) test ./internal/soak -run 'TestSoak$$' -count=1 -v -timeout 0

clean:
	rm -rf $(BIN)

# --- CUDA backend (cuda/, build tag cuda) -------------------------------------------------------------
# Headers, libcuda and nvcc come from Debian's CUDA 11.8 packages, unpacked into $(CUDA_TOOLS) by
# scripts/cuda-tools.sh (nothing is installed system-wide). A binary built with -tags cuda needs only
# libcuda.so.1 (the NVIDIA driver) and glibc at run time, and must only be started where a GPU exists:
# gorgonia.org/cu exits the process at start-up when there is none.
CUDA_TOOLS  ?= .cuda
NVCC        ?= $(CUDA_TOOLS)/bin/nvcc
CUDA_ENV     = CGO_ENABLED=1 CGO_CFLAGS="-I$(abspath $(CUDA_TOOLS))/include" CGO_LDFLAGS="-L$(abspath $(CUDA_TOOLS))/lib"
CUDA_CU     := $(wildcard cuda/kernels/*.cu)
CUDA_PTX    := $(CUDA_CU:.cu=.sm80.ptx)
CUDA_CUBIN  := $(CUDA_CU:.cu=.sm90.cubin)

.PHONY: cuda-tools ptx xclip-cuda plugin-cuda vet-cuda

cuda-tools: $(CUDA_TOOLS)/include/cuda.h

$(CUDA_TOOLS)/include/cuda.h:
	scripts/cuda-tools.sh $(CUDA_TOOLS)

$(NVCC):
	scripts/cuda-tools.sh $(CUDA_TOOLS)

# The kernels as compute_80 PTX (any GPU from the A100 on; the driver compiles it) and sm_90 cubins
# (H100/H200, loaded as they are). The outputs are committed: a normal build needs no nvcc.
ptx: $(CUDA_PTX) $(CUDA_CUBIN)

cuda/kernels/%.sm80.ptx: cuda/kernels/%.cu cuda/kernels/common.cuh | $(NVCC)
	$(NVCC) -ptx -arch=compute_80 -O3 -o $@.tmp $<
	{ echo '// Code generated by make ptx (nvcc 11.8, -arch=compute_80) from $(notdir $<). DO NOT EDIT.'; cat $@.tmp; } >$@
	rm -f $@.tmp

cuda/kernels/%.sm90.cubin: cuda/kernels/%.cu cuda/kernels/common.cuh | $(NVCC)
	$(NVCC) -cubin -arch=sm_90 -O3 -Xptxas -v -o $@ $< 2>&1 | grep -E 'error|warning|spill|registers' | grep -v ' 0 bytes spill' || true
	test -s $@

# xclip with the CUDA backend (--device cuda): install it on machines with an NVIDIA GPU only.
xclip-cuda: cuda-tools
	$(CUDA_ENV) $(GO) build -tags cuda -o $(BIN)/xclip-cuda ./cmd/xclip
	$(CUDA_ENV) $(GO) build -tags cuda -o $(BIN)/xclip-cuda-check ./cuda/cmd/xclip-cuda-check

# The GStreamer plugin with the CUDA backend (device=cuda/auto in the element).
plugin-cuda: cuda-tools
	$(CUDA_ENV) $(GO) build -tags cuda -buildmode=c-shared -o $(BIN)/cuda/libgstxclip.so ./plugin
	rm -f $(BIN)/cuda/libgstxclip.h

# What CI checks of the CUDA build: vet and build with the tag, against the unpacked headers (no GPU).
vet-cuda: cuda-tools
	$(CUDA_ENV) $(GO) vet -tags cuda ./...
	$(CUDA_ENV) $(GO) build -tags cuda ./...
