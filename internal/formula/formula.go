// Package formula makes the golden data's formula weights (../shared/golden/weights_formula.md):
// real-size X-CLIP checkpoints without weight files, every tensor generated from a hash. The tests,
// xclip bench and the CUDA checks load them through model.Options.Weights (WithWeights); the model's
// loader itself knows only checkpoint files.
package formula

import (
	"encoding/json"
	"fmt"
	"runtime"
	"sort"
	"sync"

	"github.com/xclipfilter/xclipfilter/internal/safefile"
)

// Formula weights give real-size checkpoints without weight files: every tensor is value[i] = float32(offset + scale·u(i, k)) for a hash u of the flat index i and the
// tensor's index k. A weights_manifest.json lists name, shape, k, offset and scale per tensor, and the
// recipe of the pixel_values the golden outputs were computed from.

// Formula weights are generated in memory, so their shapes bound nothing: the manifest's claims are
// capped instead. The largest published X-CLIP tensor (large-patch14's token embedding) has 38 M values,
// the whole model 0.6 G.
const (
	maxFormulaTensor = 1 << 28 // values in one tensor (1 GiB of float32)
	maxFormulaTotal  = 1 << 31 // values in all tensors (8 GiB of float32)
)

// Entry is one tensor of a weights manifest.
type Entry struct {
	Name   string  `json:"name"`
	Shape  []int   `json:"shape"`
	K      uint32  `json:"k"`
	Offset float64 `json:"offset"`
	Scale  float64 `json:"scale"`
}

// Manifest is weights_manifest.json.
type Manifest struct {
	Tensors     []Entry `json:"tensors"`
	PixelValues Entry   `json:"pixel_values"`
}

// LoadManifest reads a weights_manifest.json.
func LoadManifest(path string) (*Manifest, error) {
	data, err := safefile.ReadFile(path, "weights_manifest.json", safefile.IndexLimit)
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: malformed JSON: %w", path, err)
	}
	if len(m.Tensors) == 0 {
		return nil, fmt.Errorf("%s: no tensors", path)
	}
	var total int64
	for _, e := range append([]Entry{m.PixelValues}, m.Tensors...) {
		n := int64(1)
		for _, d := range e.Shape {
			if d < 0 || d > 1<<30 {
				return nil, fmt.Errorf("%s: tensor %q has bad dimension %d", path, e.Name, d)
			}
			n *= int64(d)
			if n > maxFormulaTensor {
				return nil, fmt.Errorf("%s: tensor %q is too large (%v: over %d values)", path, e.Name, e.Shape, maxFormulaTensor)
			}
		}
		if total += n; total > maxFormulaTotal {
			return nil, fmt.Errorf("%s: the tensors hold more than %d values in all", path, maxFormulaTotal)
		}
	}
	return &m, nil
}

// formulaU is u(i, k) in [-1, 1).
func formulaU(i, k uint32) float64 {
	x := i*2654435761 + (k+1)*2246822519
	x ^= x >> 15
	x *= 2246822519
	x ^= x >> 13
	x *= 3266489917
	x ^= x >> 16
	return float64(x)/(1<<31) - 1
}

// Fill writes the entry's values into dst (len = product of Shape).
func (e Entry) Fill(dst []float32) {
	for i := range dst {
		dst[i] = float32(e.Offset + e.Scale*formulaU(uint32(i), e.K))
	}
}

// Len is the entry's element count.
func (e Entry) Len() int {
	n := 1
	for _, d := range e.Shape {
		n *= d
	}
	return n
}

// File serves a manifest's tensors to the loader (it is a model.TensorFile), generating each when it
// is read: loading formula weights holds one tensor at a time, not a whole checkpoint.
type File struct {
	name    string
	entries map[string]Entry
}

// Open reads a weights_manifest.json.
func Open(manifestPath string) (*File, error) {
	m, err := LoadManifest(manifestPath)
	if err != nil {
		return nil, err
	}
	f := &File{name: manifestPath, entries: make(map[string]Entry, len(m.Tensors))}
	for _, e := range m.Tensors {
		if _, dup := f.entries[e.Name]; dup {
			return nil, fmt.Errorf("%s: tensor %q listed twice", manifestPath, e.Name)
		}
		f.entries[e.Name] = e
	}
	return f, nil
}

func (f *File) Name() string { return f.name }
func (f *File) Close() error { return nil }

func (f *File) Names() []string {
	names := make([]string, 0, len(f.entries))
	for n := range f.entries {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (f *File) Shape(name string) ([]int, bool) {
	e, ok := f.entries[name]
	if !ok {
		return nil, false
	}
	return append([]int{}, e.Shape...), true
}

func (f *File) DType(name string) string {
	if _, ok := f.entries[name]; !ok {
		return ""
	}
	return "F32"
}

// ReadFloat32 generates the tensor into dst (if it has the capacity), in parallel for large tensors.
func (f *File) ReadFloat32(name string, dst []float32) ([]float32, error) {
	e, ok := f.entries[name]
	if !ok {
		return nil, fmt.Errorf("%s: no tensor %q", f.name, name)
	}
	n := e.Len()
	if cap(dst) >= n {
		dst = dst[:n]
	} else {
		dst = make([]float32, n)
	}
	const chunk = 1 << 18
	if n < 2*chunk {
		e.Fill(dst)
		return dst, nil
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for lo := 0; lo < n; lo += chunk {
		hi := min(n, lo+chunk)
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				dst[i] = float32(e.Offset + e.Scale*formulaU(uint32(i), e.K))
			}
			<-sem
		}()
	}
	wg.Wait()
	return dst, nil
}
