package model_test

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/xclipfilter/xclipfilter/cpu"
	"github.com/xclipfilter/xclipfilter/model"
)

// FuzzLoadConfigAndHeader loads checkpoint folders built from a config.json and a safetensors header
// (the data section is made as long as the header's largest offset, filled with small finite values), and
// checks that Load returns a model or an error — never a panic nor a hang — and allocates a bounded amount
// of memory whatever sizes the two claim. The seed in testdata is tiny-a's config and header with a
// 1000-token vocabulary (it loads); the others lie.
func FuzzLoadConfigAndHeader(f *testing.F) {
	f.Add([]byte(`{}`), []byte(`{}`))
	f.Add([]byte(`{"text_config": {"vocab_size": 2000000000, "hidden_size": 512}}`),
		[]byte(`{"text_model.embeddings.token_embedding.weight": {"dtype": "F32", "shape": [2000000000, 512], "data_offsets": [0, 16]}}`))
	f.Add([]byte(`{"projection_dim": 4, "vision_config": {"mit_hidden_size": 4}}`),
		[]byte(`{"mit.position_embedding": {"dtype": "BF16", "shape": [1, 8, 4], "data_offsets": [0, 64]}, "__metadata__": {"format": "pt"}}`))
	f.Fuzz(func(t *testing.T, config, header []byte) {
		if len(config) > 64<<10 || len(header) > 1<<20 {
			t.Skip("input too large")
		}
		size, ok := dataSectionSize(header)
		if !ok || size > 4<<20 {
			t.Skip("data section too large")
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "config.json"), config, 0o644); err != nil {
			t.Fatal(err)
		}
		file := binary.LittleEndian.AppendUint64(make([]byte, 0, 8+len(header)+int(size)), uint64(len(header)))
		file = append(file, header...)
		for range size {
			file = append(file, 0x3c) // 0x3c3c3c3c: 0.0115 as F32 or BF16, 1.06 as F16
		}
		if err := os.WriteFile(filepath.Join(dir, "model.safetensors"), file, 0o644); err != nil {
			t.Fatal(err)
		}
		// A hang is a finding too: a watchdog crashes the worker with every goroutine's stack, so that
		// the fuzzer records the input.
		watchdog := time.AfterFunc(20*time.Second, func() {
			buf := make([]byte, 1<<20)
			panic("Load hung for 20 s:\n" + string(buf[:runtime.Stack(buf, true)]))
		})
		defer watchdog.Stop()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		m, err := model.Load(dir, model.Options{Backend: cpu.New(cpu.Options{Threads: 1})})
		runtime.ReadMemStats(&after)
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 256<<20 {
			t.Errorf("loading a %d-byte checkpoint allocated %d MiB", len(file), grew>>20)
		}
		if (m == nil) == (err == nil) {
			t.Fatalf("Load returned model %v and error %v", m != nil, err)
		}
		if err != nil && err.Error() == "" {
			t.Fatal("empty error")
		}
	})
}

// dataSectionSize is the largest data_offsets end a header claims (0 when it is not a JSON object of
// tensors), so that the fuzzed file is not refused as truncated before the sizes are looked at.
func dataSectionSize(header []byte) (uint64, bool) {
	var h map[string]struct {
		DataOffsets []uint64 `json:"data_offsets"`
	}
	if json.Unmarshal(header, &h) != nil {
		return 0, true
	}
	var end uint64
	for _, e := range h {
		for _, o := range e.DataOffsets {
			end = max(end, o)
		}
	}
	return end, true
}
