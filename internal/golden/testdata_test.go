package golden

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/xclipfilter/xclipfilter/model/safetensors"
)

var update = flag.Bool("update", false, "rewrite testdata/processor-golden.safetensors from $XCLIP_GOLDEN")

// processorSubset names the image-processor cases the repository keeps, one frame each: the upscaling
// case and the odd-sized antialiased downscaling one. The others (landscape, portrait, HD, exact)
// weigh 0.8 to 3.3 MB a frame and only run with XCLIP_GOLDEN.
var processorSubset = []string{"small_100x150", "odd_223x401"}

// copied are the files testdata/ holds as byte-identical copies, by their path under the golden folder.
var copied = []string{
	"tokenizer-golden.json",
	"xclip-tiny-a/config.json", "xclip-tiny-a/golden.safetensors", "xclip-tiny-a/model.safetensors",
	"xclip-tiny-a/preprocessor_config.json", "xclip-tiny-a/tokenizer.json", "xclip-tiny-a/tokenizer_config.json",
	"xclip-tiny-a/vocab.json", "xclip-tiny-a/merges.txt",
	"xclip-tiny-b/config.json", "xclip-tiny-b/golden.safetensors", "xclip-tiny-b/model.safetensors",
	"xclip-tiny-b/pytorch_model.bin", "xclip-tiny-b/preprocessor_config.json", "xclip-tiny-b/tokenizer_config.json",
	// tiny-b's vocabulary and merges are tiny-a's (links); its tokenizer.json differs from tiny-a's only
	// in the padding and truncation settings, which the tokenizer does not read, and is left out.
	"xclip-tiny-b/vocab.json", "xclip-tiny-b/merges.txt",
	"../data/clip/" + VocabFile, "../data/clip/LICENSE",
}

// testdataPath maps a path under the golden folder to its copy in testdata/.
func testdataPath(root, rel string) string {
	if dir, file := filepath.Split(rel); dir == "../data/clip/" {
		return filepath.Join(root, "clip", file)
	}
	return filepath.Join(root, filepath.FromSlash(rel))
}

// TestTestdataMatchesGolden checks the repository's fixtures against the golden originals: every copy
// byte for byte, and the processor subset against the frames and pixel values it was cut from.
func TestTestdataMatchesGolden(t *testing.T) {
	root := Dir(t) // skips without XCLIP_GOLDEN: there is nothing to compare with
	td := Testdata(t)
	for _, rel := range copied {
		want, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(testdataPath(td, rel))
		if err != nil {
			t.Errorf("testdata lacks a copy of %s: %v", rel, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("testdata copy of %s differs from the golden original", rel)
		}
	}
	want, err := subsetOf(filepath.Join(root, "processor-golden.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(td, "processor-golden.safetensors")
	if *update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is not the subset of the golden processor cases %v (go test ./internal/golden -run TestTestdata -update rewrites it)", path, processorSubset)
	}
}

// subsetOf cuts frame 0 of each processorSubset case out of processor-golden.safetensors, with the
// same tensor names, and the original's metadata plus a note of what was kept.
func subsetOf(path string) ([]byte, error) {
	sf, err := safetensors.Open(path)
	if err != nil {
		return nil, err
	}
	defer sf.Close()
	var tensors []rawTensor
	for _, c := range processorSubset {
		frames, fs, err := sf.Bytes(c + ".frames")
		if err != nil {
			return nil, err
		}
		pix, ps, err := sf.Float32(c + ".pixel_values")
		if err != nil {
			return nil, err
		}
		if len(fs) != 4 || len(ps) != 4 {
			return nil, fmt.Errorf("%s: shapes %v and %v", c, fs, ps)
		}
		nf, np := fs[1]*fs[2]*fs[3], ps[1]*ps[2]*ps[3]
		pb := make([]byte, 4*np)
		for i, v := range pix[:np] {
			binary.LittleEndian.PutUint32(pb[4*i:], math.Float32bits(v))
		}
		tensors = append(tensors,
			rawTensor{c + ".frames", "U8", []int{1, fs[1], fs[2], fs[3]}, frames[:nf]},
			rawTensor{c + ".pixel_values", "F32", []int{1, ps[1], ps[2], ps[3]}, pb})
	}
	return encodeRaw(tensors, map[string]string{
		"subset": fmt.Sprintf("frame 0 of the cases %v of processor-golden.safetensors (Hugging Face transformers 5.17, VideoMAEImageProcessor)", processorSubset),
	})
}

type rawTensor struct {
	name, dtype string
	shape       []int
	data        []byte
}

// encodeRaw writes a safetensors file of tensors already in little-endian bytes, in name order.
func encodeRaw(tensors []rawTensor, meta map[string]string) ([]byte, error) {
	sort.Slice(tensors, func(a, b int) bool { return tensors[a].name < tensors[b].name })
	type entry struct {
		DType   string `json:"dtype"`
		Shape   []int  `json:"shape"`
		Offsets [2]int `json:"data_offsets"`
	}
	header := map[string]any{"__metadata__": meta}
	off := 0
	for _, t := range tensors {
		header[t.name] = entry{t.dtype, t.shape, [2]int{off, off + len(t.data)}}
		off += len(t.data)
	}
	h, err := json.Marshal(header)
	if err != nil {
		return nil, err
	}
	for len(h)%8 != 0 {
		h = append(h, ' ')
	}
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint64(len(h)))
	b.Write(h)
	for _, t := range tensors {
		b.Write(t.data)
	}
	return b.Bytes(), nil
}
