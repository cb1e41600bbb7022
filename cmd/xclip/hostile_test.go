//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/crc32"
	"image"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xclipfilter/xclipfilter/model/safetensors"
)

// The hostile-input suite runs the command as a separate process under a memory cap and a timeout, so
// that a regression which allocates without bound or blocks shows as a failed case, not as a test binary
// killed by the kernel. The child is this test binary itself (TestMain runs the command when
// hostileChildEnv is set): the command exactly as built, with no second build.

const (
	hostileChildEnv = "XCLIP_HOSTILE_CHILD"
	// hostileMemCap is the address-space cap of each child (prlimit --as): a few times what loading
	// tiny-a and decoding a frame take, far below what trusting a hostile size would take (6-200 GB).
	hostileMemCap = 3 << 30
	// hostileTimeout is generous for a loaded 2-core machine; a clean refusal takes well under a second.
	hostileTimeout = 60 * time.Second
)

func TestMain(m *testing.M) {
	if os.Getenv(hostileChildEnv) == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// runCapped runs the command in a child process under the memory cap and the timeout, and returns its
// exit status and stderr, failing the test on a signal or a timeout.
func runCapped(t *testing.T, args ...string) (code int, stderr string) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		t.Fatalf("prlimit (util-linux) is needed to cap the child's memory: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), hostileTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, prlimit, append([]string{"--as=" + strconv.Itoa(hostileMemCap), "--", self}, args...)...)
	cmd.Env = append(os.Environ(), hostileChildEnv+"=1", "GOMAXPROCS=2")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err = cmd.Run()
	took := time.Since(start)
	if ctx.Err() != nil {
		t.Fatalf("%q: still running after %v (killed); stderr: %s", args, hostileTimeout, errb.String())
	}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		t.Fatalf("%q: killed by %v after %v; stderr: %s", args, ws.Signal(), took, errb.String())
	}
	return cmd.ProcessState.ExitCode(), errb.String()
}

// hostileFolder builds a checkpoint folder from tiny-a: every file a symlink to the golden one (as the
// hub cache lays them out), except those the case replaces.
func hostileFolder(t *testing.T, tiny string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"config.json", "model.safetensors", "tokenizer.json", "vocab.json", "merges.txt", "preprocessor_config.json"} {
		if err := os.Symlink(filepath.Join(tiny, f), filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// replace removes dir/name (a symlink to the golden file) so that the case can put something else there.
func replace(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	return p
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// editConfig rewrites dir/config.json from tiny-a's with edit applied.
func editConfig(t *testing.T, tiny, dir string, edit func(m map[string]any)) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(tiny, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	if b, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	writeFile(t, replace(t, dir, "config.json"), b)
}

func section(m map[string]any, key string) map[string]any { return m[key].(map[string]any) }

// pngClaiming returns a PNG file whose header claims w×h pixels but that holds the data of 1×1: the
// IHDR of a real PNG with its size and CRC rewritten.
func pngClaiming(t *testing.T, w, h uint32) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 1, 1))); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	// 8-byte signature, then IHDR: length (4), "IHDR" (4), width (4), height (4), 5 more bytes, CRC (4).
	binary.BigEndian.PutUint32(b[16:], w)
	binary.BigEndian.PutUint32(b[20:], h)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

// TestHostileInputs feeds the command model folders and frames built to exhaust memory, block or crash
// a loader that trusts them, and checks each is refused with exit status 1, in bounded time and memory,
// with a message that names the file and the key or tensor at fault.
func TestHostileInputs(t *testing.T) {
	tiny := tinyModelDir(t)
	tmp := t.TempDir()
	frame := filepath.Join(tmp, "frame.png")
	writePNG(t, frame, make([]byte, 3*40*48), 40, 48)

	// A sanity check of the harness: the untouched folder classifies under the same cap.
	if code, errOut := runCapped(t, "classify", "--model", hostileFolder(t, tiny), "--labels", "a;b", frame); code != 0 {
		t.Fatalf("the untouched tiny-a folder: exit %d: %s", code, errOut)
	}

	// NaN weights: tiny-a's tensors with one NaN.
	nanWeights := func(t *testing.T) []byte {
		f, err := safetensors.Open(filepath.Join(tiny, "model.safetensors"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		m := map[string]safetensors.Tensor{}
		for _, n := range f.Names() {
			d, s, err := f.Float32(n)
			if err != nil {
				t.Fatal(err)
			}
			m[n] = safetensors.Tensor{Shape: s, Data: d}
		}
		m["text_model.encoder.layers.1.mlp.fc1.weight"].Data[123] = float32(math.NaN())
		b, err := safetensors.Encode(m, nil)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}

	type hostileCase struct {
		name  string
		setup func(t *testing.T, dir string) // edits the model folder
		frame func(t *testing.T) string      // the frame file (default: a good one)
		wants []string
	}
	cfg := func(edit func(m map[string]any)) func(t *testing.T, dir string) {
		return func(t *testing.T, dir string) { editConfig(t, tiny, dir, edit) }
	}
	text := func(key string, v any) func(t *testing.T, dir string) {
		return cfg(func(m map[string]any) { section(m, "text_config")[key] = v })
	}
	vision := func(key string, v any) func(t *testing.T, dir string) {
		return cfg(func(m map[string]any) { section(m, "vision_config")[key] = v })
	}
	symlinkTo := func(name, target string) func(t *testing.T, dir string) {
		return func(t *testing.T, dir string) {
			if err := os.Symlink(target, replace(t, dir, name)); err != nil {
				t.Fatal(err)
			}
		}
	}
	fifo := func(name string) func(t *testing.T, dir string) {
		return func(t *testing.T, dir string) {
			if err := syscall.Mkfifo(replace(t, dir, name), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	frameFile := func(data func(t *testing.T) []byte) func(t *testing.T) string {
		return func(t *testing.T) string {
			p := filepath.Join(t.TempDir(), "hostile.png")
			writeFile(t, p, data(t))
			return p
		}
	}
	cases := []hostileCase{
		{name: "text hidden_size 100000", setup: cfg(func(m map[string]any) {
			section(m, "text_config")["hidden_size"] = 100000
			section(m, "text_config")["num_attention_heads"] = 1
		}), wants: []string{"config.json", "text_config.hidden_size = 100000 is over the limit"}},
		{name: "vocab_size 2e9", setup: text("vocab_size", 2000000000), wants: []string{"config.json", "text_config.vocab_size = 2000000000"}},
		{name: "vocab_size within the cap", setup: text("vocab_size", 999999),
			wants: []string{"config.json: text_config.vocab_size = 999999 but text_model.embeddings.token_embedding.weight is [49408 24]"}},
		{name: "max_position_embeddings 1e9", setup: text("max_position_embeddings", 1000000000), wants: []string{"config.json", "text_config.max_position_embeddings = 1000000000"}},
		{name: "num_hidden_layers 1e8", setup: text("num_hidden_layers", 100000000), wants: []string{"config.json", "text_config.num_hidden_layers = 100000000"}},
		{name: "num_hidden_layers within the cap", setup: vision("num_hidden_layers", 100),
			wants: []string{"config.json: vision_config.num_hidden_layers = 100 but the weights have 2 layers", "... and"}},
		{name: "num_frames 1e6", setup: vision("num_frames", 1000000), wants: []string{"config.json", "vision_config.num_frames = 1000000"}},
		{name: "image_size 1e6", setup: vision("image_size", 1000000), wants: []string{"config.json", "vision_config.image_size = 1000000"}},
		{name: "negative hidden_size", setup: vision("hidden_size", -64), wants: []string{"config.json", "vision_config.hidden_size must be positive, got -64"}},
		{name: "hidden_size of the wrong type", setup: text("hidden_size", "big"), wants: []string{"config.json", "text_config.hidden_size", "string"}},
		{name: "text_config of the wrong type", setup: cfg(func(m map[string]any) { m["text_config"] = []any{1, 2} }), wants: []string{"config.json", "text_config"}},
		{name: "config.json not JSON", setup: func(t *testing.T, dir string) {
			writeFile(t, replace(t, dir, "config.json"), []byte("\x00\xff{"))
		}, wants: []string{"config.json", "malformed JSON"}},
		{name: "NaN weights", setup: func(t *testing.T, dir string) {
			writeFile(t, replace(t, dir, "model.safetensors"), nanWeights(t))
		}, wants: []string{"model.safetensors", "tensor text_model.encoder.layers.1.mlp.fc1.weight", "element 123 is NaN"}},
		{name: "config.json a FIFO", setup: fifo("config.json"), wants: []string{"config.json", "named pipe"}},
		{name: "config.json a directory", setup: func(t *testing.T, dir string) {
			if err := os.Mkdir(replace(t, dir, "config.json"), 0o755); err != nil {
				t.Fatal(err)
			}
		}, wants: []string{"config.json", "a directory"}},
		{name: "config.json -> /dev/zero", setup: symlinkTo("config.json", "/dev/zero"), wants: []string{"config.json", "character device"}},
		{name: "model.safetensors a FIFO", setup: fifo("model.safetensors"), wants: []string{"model.safetensors", "named pipe"}},
		{name: "model.safetensors -> /dev/zero", setup: symlinkTo("model.safetensors", "/dev/zero"), wants: []string{"model.safetensors", "character device"}},
		{name: "index json -> /dev/zero", setup: func(t *testing.T, dir string) {
			replace(t, dir, "model.safetensors")
			if err := os.Symlink("/dev/zero", filepath.Join(dir, "model.safetensors.index.json")); err != nil {
				t.Fatal(err)
			}
		}, wants: []string{"model.safetensors.index.json", "character device"}},
		{name: "weights_manifest.json a FIFO", setup: func(t *testing.T, dir string) {
			replace(t, dir, "model.safetensors")
			if err := syscall.Mkfifo(filepath.Join(dir, "weights_manifest.json"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, wants: []string{"weights_manifest.json", "named pipe"}},
		{name: "tokenizer.json -> /dev/zero", setup: symlinkTo("tokenizer.json", "/dev/zero"), wants: []string{"tokenizer.json", "character device"}},
		{name: "tokenizer.json of 40 MB", setup: func(t *testing.T, dir string) {
			f, err := os.Create(replace(t, dir, "tokenizer.json"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if err := f.Truncate(40 << 20); err != nil { // sparse: no disk used
				t.Fatal(err)
			}
		}, wants: []string{"tokenizer.json", "over the 33554432-byte limit"}},
		{name: "vocab.json a FIFO", setup: func(t *testing.T, dir string) {
			replace(t, dir, "tokenizer.json")
			fifo("vocab.json")(t, dir)
		}, wants: []string{"vocab.json", "named pipe"}},
		{name: "merges.txt -> /dev/zero", setup: func(t *testing.T, dir string) {
			replace(t, dir, "tokenizer.json")
			symlinkTo("merges.txt", "/dev/zero")(t, dir)
		}, wants: []string{"merges.txt", "character device"}},
		{name: "preprocessor_config.json a FIFO", setup: fifo("preprocessor_config.json"), wants: []string{"preprocessor_config.json", "named pipe"}},
		{name: "PNG claiming 40000x40000", frame: frameFile(func(t *testing.T) []byte { return pngClaiming(t, 40000, 40000) }),
			wants: []string{"hostile.png", "claims 40000x40000 pixels, over the limit"}},
		{name: "PNG claiming 20000x10", frame: frameFile(func(t *testing.T) []byte { return pngClaiming(t, 20000, 10) }),
			wants: []string{"hostile.png", "claims 20000x10 pixels"}},
		{name: "truncated PNG", frame: frameFile(func(t *testing.T) []byte {
			b, err := os.ReadFile(frame)
			if err != nil {
				t.Fatal(err)
			}
			return b[:len(b)/2]
		}), wants: []string{"hostile.png", "cannot decode"}},
		{name: "frame a FIFO", frame: func(t *testing.T) string {
			p := filepath.Join(t.TempDir(), "hostile.png")
			if err := syscall.Mkfifo(p, 0o644); err != nil {
				t.Fatal(err)
			}
			return p
		}, wants: []string{"hostile.png", "named pipe"}},
		{name: "frame -> /dev/zero", frame: func(t *testing.T) string {
			p := filepath.Join(t.TempDir(), "hostile.png")
			if err := os.Symlink("/dev/zero", p); err != nil {
				t.Fatal(err)
			}
			return p
		}, wants: []string{"hostile.png", "character device"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := hostileFolder(t, tiny)
			if c.setup != nil {
				c.setup(t, dir)
			}
			f := frame
			if c.frame != nil {
				f = c.frame(t)
			}
			code, errOut := runCapped(t, "classify", "--model", dir, "--labels", "a fall;nobody", f)
			if code != exitFailure {
				t.Errorf("exit %d, want %d; stderr: %s", code, exitFailure, errOut)
			}
			for _, w := range c.wants {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr does not mention %q:\n%s", w, errOut)
				}
			}
			if len(errOut) > 4000 {
				t.Errorf("stderr is %d bytes: a refusal should be short", len(errOut))
			}
		})
	}
}

// TestExitStatuses checks the three documented failure statuses and that --help documents them.
func TestExitStatuses(t *testing.T) {
	code, out, _ := runCLI(t, "--help")
	if code != 0 || !strings.Contains(out, "exit status:") || !strings.Contains(out, "3  internal error") {
		t.Errorf("--help (exit %d) does not document the exit statuses:\n%s", code, out)
	}
	if code, _, _ := runCLI(t, "classify", "--no-such-flag"); code != exitUsage {
		t.Errorf("bad flag: exit %d, want %d", code, exitUsage)
	}
	if code, _, _ := runCLI(t, "classify", "--model", filepath.Join(t.TempDir(), "none"), "--labels", "a", "x.png"); code != exitFailure {
		t.Errorf("missing model: exit %d, want %d", code, exitFailure)
	}
	// A panic inside a command is an internal error, not a crash.
	if code, _, _ := runInternal(t); code != exitInternal {
		t.Errorf("recovered panic: exit %d, want %d", code, exitInternal)
	}
}

// runInternal makes run panic (--help writes its usage to a nil stdout) and returns what run returned.
func runInternal(t *testing.T) (int, string, string) {
	t.Helper()
	var e bytes.Buffer
	code := run([]string{"--help"}, nil, &e)
	return code, "", e.String()
}
