# xclipfilter — build, test and benchmark.
#
# Golden tests compare with the peer implementation's outputs in $(XCLIP_GOLDEN) (by default
# ../shared/golden when it exists). When XCLIP_GOLDEN is set and the data is missing, they fail.

GO          ?= go
BIN         ?= bin
XCLIP_GOLDEN ?= $(wildcard $(abspath ../shared/golden))
export XCLIP_GOLDEN

.PHONY: all build test test-short vet fuzz bench clean

all: build

build:
	$(GO) build -o $(BIN)/xclip ./cmd/xclip

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l .)" || (echo "gofmt needed:"; gofmt -l .; exit 1)

# Every test, golden comparisons of all four real-size configurations included.
test: vet
	$(GO) test -timeout 60m ./...

# The quick loop: only base-patch32 among the real-size configurations.
test-short:
	$(GO) test -short ./...

# A longer fuzzing session of the parsers (their seeds already run in every `make test`).
fuzz:
	$(GO) test ./model/safetensors -run XXX -fuzz FuzzParse -fuzztime 60s
	$(GO) test ./model/tokenizer -run XXX -fuzz FuzzEncode -fuzztime 60s

bench:
	$(GO) test -run XXX -bench . -benchtime 3x ./model/

clean:
	rm -rf $(BIN)
