package model

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
)

// Formula weights (../shared/golden/weights_formula.md) give real-size checkpoints without weight files:
// every tensor is value[i] = float32(offset + scale·u(i, k)) for a hash u of the flat index i and the
// tensor's index k. A weights_manifest.json lists name, shape, k, offset and scale per tensor, and the
// recipe of the pixel_values the golden outputs were computed from.

// FormulaEntry is one tensor of a weights manifest.
type FormulaEntry struct {
	Name   string  `json:"name"`
	Shape  []int   `json:"shape"`
	K      uint32  `json:"k"`
	Offset float64 `json:"offset"`
	Scale  float64 `json:"scale"`
}

// FormulaManifest is weights_manifest.json.
type FormulaManifest struct {
	Tensors     []FormulaEntry `json:"tensors"`
	PixelValues FormulaEntry   `json:"pixel_values"`
}

// LoadFormulaManifest reads a weights_manifest.json.
func LoadFormulaManifest(path string) (*FormulaManifest, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m FormulaManifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: malformed JSON: %w", path, err)
	}
	if len(m.Tensors) == 0 {
		return nil, fmt.Errorf("%s: no tensors", path)
	}
	for _, e := range append([]FormulaEntry{m.PixelValues}, m.Tensors...) {
		n := int64(1)
		for _, d := range e.Shape {
			if d < 0 || d > 1<<30 {
				return nil, fmt.Errorf("%s: tensor %q has bad dimension %d", path, e.Name, d)
			}
			n *= int64(d)
			if n > 1<<32 {
				return nil, fmt.Errorf("%s: tensor %q is too large (%v)", path, e.Name, e.Shape)
			}
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
func (e FormulaEntry) Fill(dst []float32) {
	for i := range dst {
		dst[i] = float32(e.Offset + e.Scale*formulaU(uint32(i), e.K))
	}
}

// Len is the entry's element count.
func (e FormulaEntry) Len() int { return numel(e.Shape) }

// FormulaSafetensors generates a manifest's tensors straight into a safetensors buffer (F32, sorted by
// name), which the loader then parses like any checkpoint file.
func FormulaSafetensors(manifestPath string) ([]byte, error) {
	m, err := LoadFormulaManifest(manifestPath)
	if err != nil {
		return nil, err
	}
	entries := append([]FormulaEntry(nil), m.Tensors...)
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name < entries[j].Name })
	var hdr bytes.Buffer
	hdr.WriteByte('{')
	var off int64
	for i, e := range entries {
		if i > 0 {
			hdr.WriteByte(',')
		}
		name, _ := json.Marshal(e.Name)
		shape, _ := json.Marshal(append([]int{}, e.Shape...))
		end := off + 4*int64(e.Len())
		fmt.Fprintf(&hdr, `%s:{"dtype":"F32","shape":%s,"data_offsets":[%s,%s]}`, name, shape,
			strconv.FormatInt(off, 10), strconv.FormatInt(end, 10))
		off = end
	}
	hdr.WriteByte('}')
	for hdr.Len()%8 != 0 {
		hdr.WriteByte(' ')
	}
	buf := make([]byte, 8+hdr.Len()+int(off))
	binary.LittleEndian.PutUint64(buf, uint64(hdr.Len()))
	copy(buf[8:], hdr.Bytes())
	data := buf[8+hdr.Len():]
	for _, e := range entries {
		vals := make([]float32, e.Len())
		e.Fill(vals)
		for i, v := range vals {
			binary.LittleEndian.PutUint32(data[4*i:], math.Float32bits(v))
		}
		data = data[4*len(vals):]
	}
	return buf, nil
}
