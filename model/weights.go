package model

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/xclipfilter/xclipfilter/internal/safefile"
	"github.com/xclipfilter/xclipfilter/model/safetensors"
)

// weights finds each checkpoint tensor in the file that holds it (one model.safetensors, or the shards a
// model.safetensors.index.json names), and remembers every problem so that a bad checkpoint is reported
// in one error: all missing, unexpected and mis-shaped tensors at once.
//
// Memory: tensors are read one at a time. A backend that copies what NewLinear and Constant are given
// (the CPU backend packs weights into panels and keeps constants outside the Go heap) gets them in one
// reused scratch buffer, so that loading holds at most the file's pages being read, one tensor as
// float32 and the packed model — never a second full copy; safetensors drops the file pages it has
// read, and formula weights are generated tensor by tensor.
type weights struct {
	source   string // what to name in errors
	files    []TensorFile
	where    map[string]TensorFile
	used     map[string]bool
	problems []string // the first maxProblems problems
	nproblem int      // all problems
	params   int64
	dtypes   map[string]int
	backend  Backend
	scratch  []float32 // reused for tensors the backend copies (see ArgumentCopier)
}

// TensorFile is where named tensors come from: a safetensors file (*safetensors.File), a PyTorch
// checkpoint (*torchbin.File), or any source given in Options.Weights (formula weights generated on
// demand: internal/formula).
type TensorFile interface {
	// Name is what errors name (the file's path).
	Name() string
	// Names lists every tensor.
	Names() []string
	// Shape is a tensor's shape (false: no such tensor).
	Shape(name string) ([]int, bool)
	// DType is a tensor's stored dtype ("F32", "BF16", ...), counted in Info.DTypes.
	DType(name string) string
	// ReadFloat32 converts a tensor to float32 into dst if it has the capacity (else a new slice).
	ReadFloat32(name string, dst []float32) ([]float32, error)
	Close() error
}

func newWeights(source string, files []TensorFile, b Backend) (*weights, error) {
	w := &weights{source: source, files: files, where: map[string]TensorFile{}, used: map[string]bool{},
		dtypes: map[string]int{}, backend: b}
	for _, f := range files {
		for _, name := range f.Names() {
			if prev, dup := w.where[name]; dup {
				return nil, fmt.Errorf("%s: tensor %q is in both %s and %s", source, name, prev.Name(), f.Name())
			}
			w.where[name] = f
		}
	}
	return w, nil
}

func (w *weights) close() {
	for _, f := range w.files {
		_ = f.Close()
	}
	w.scratch = nil
}

// get returns the named tensor as float32 (a new slice) after checking its shape; nil (and a recorded
// problem) when it is missing, mis-shaped or of an unsupported dtype.
func (w *weights) get(name string, shape ...int) []float32 {
	return w.read(name, nil, shape...)
}

// scratchFor returns n floats of the reused scratch buffer if the backend copies its arguments, else
// a new slice.
func (w *weights) scratchFor(n int) []float32 {
	if c, ok := w.backend.(ArgumentCopier); !ok || !c.CopiesArguments() {
		return make([]float32, n)
	}
	if cap(w.scratch) < n {
		w.scratch = make([]float32, n)
	}
	return w.scratch[:n]
}

// read is get into dst (when it has the capacity).
func (w *weights) read(name string, dst []float32, shape ...int) []float32 {
	if !w.check(name, shape...) {
		return nil
	}
	f := w.where[name]
	data, err := f.ReadFloat32(name, dst)
	if err != nil {
		w.problem(err.Error())
		return nil
	}
	if i := firstNonFinite(data); i >= 0 {
		w.problem(fmt.Sprintf("tensor %s in %s: element %d is %v (weights must be finite)", name, f.Name(), i, data[i]))
		return nil
	}
	w.params += int64(len(data))
	w.dtypes[f.DType(name)]++
	return data
}

// check marks the named tensor used and reports whether the weights have it with this shape, recording
// a problem if not. Whatever is allocated for a tensor is allocated after its check, so that a config
// size the weights do not back never reaches an allocation.
func (w *weights) check(name string, shape ...int) bool {
	w.used[name] = true
	f, ok := w.where[name]
	if !ok {
		w.problem(fmt.Sprintf("missing tensor %s %v", name, shape))
		return false
	}
	got, _ := f.Shape(name)
	if !shapeEqual(got, shape) {
		w.problem(fmt.Sprintf("tensor %s has shape %v, want %v", name, got, shape))
		return false
	}
	return true
}

// problem records a problem; past maxProblems, it is only counted.
func (w *weights) problem(msg string) {
	w.nproblem++
	if len(w.problems) < maxProblems {
		w.problems = append(w.problems, msg)
	}
}

// shape and names let checkAgainstWeights read the headers.
func (w *weights) shape(name string) ([]int, bool) {
	f, ok := w.where[name]
	if !ok {
		return nil, false
	}
	return f.Shape(name)
}

func (w *weights) names() []string {
	out := make([]string, 0, len(w.where))
	for n := range w.where {
		out = append(out, n)
	}
	return out
}

// linear loads prefix.weight [n, k] and, when bias is set, prefix.bias [n].
func (w *weights) linear(prefix string, n, k int, bias bool) Linear {
	return w.fusedLinear([]string{prefix}, n, k, bias)
}

// fusedLinear loads several Linear layers over the same input and stacks them into one of n·len(prefixes)
// outputs (q, k and v projections become one GEMM).
func (w *weights) fusedLinear(prefixes []string, n, k int, bias bool) Linear {
	ok := true
	for _, p := range prefixes {
		ok = w.check(p+".weight", n, k) && ok
		if bias {
			ok = w.check(p+".bias", n) && ok
		}
	}
	if !ok {
		return nil
	}
	wt := w.scratchFor(len(prefixes) * n * k)
	var bs []float32
	for i, p := range prefixes {
		part := wt[i*n*k : (i+1)*n*k]
		d := w.read(p+".weight", part[:0], n, k)
		ok = ok && d != nil && (len(d) == 0 || &d[0] == &part[0])
		if bias {
			d := w.get(p+".bias", n)
			ok = ok && d != nil
			bs = append(bs, d...)
		}
	}
	if !ok {
		return nil
	}
	return w.backend.NewLinear(wt, bs, n*len(prefixes), k)
}

func (w *weights) layerNorm(prefix string, dim int, eps float64) layerNorm {
	return layerNorm{weight: w.constant(prefix+".weight", 1, dim, dim), bias: w.constant(prefix+".bias", 1, dim, dim), eps: float32(eps)}
}

// constant loads a tensor of the given checkpoint shape as a rows×cols backend matrix.
func (w *weights) constant(name string, rows, cols int, shape ...int) Mat {
	if !w.check(name, shape...) {
		return Mat{}
	}
	if ca, ok := w.backend.(ConstantAllocator); ok {
		m := ca.NewConstant(rows, cols)
		if d := w.read(name, m.Host[:0], shape...); d == nil || len(d) != rows*cols || (len(d) > 0 && &d[0] != &m.Host[0]) {
			return Mat{}
		}
		return m
	}
	d := w.read(name, w.scratchFor(rows * cols)[:0], shape...)
	if d == nil {
		return Mat{}
	}
	return w.backend.Constant(d, rows, cols)
}

// finish reports every problem seen, plus the tensors the file has and the model does not use.
// Buffers that older exports carry (*.position_ids) are not weights and are ignored.
func (w *weights) finish() error {
	var unexpected []string
	for name := range w.where {
		if !w.used[name] && !strings.HasSuffix(name, ".position_ids") {
			unexpected = append(unexpected, name)
		}
	}
	sort.Strings(unexpected)
	for _, u := range unexpected {
		w.problem("unexpected tensor " + u)
	}
	if w.nproblem == 0 {
		return nil
	}
	return fmt.Errorf("%s does not fit the config or holds bad values: %s", w.source, listProblems(w.problems, w.nproblem))
}

// openWeights finds the checkpoint's weights in dir: model.safetensors, a sharded
// model.safetensors.index.json; failing those, a PyTorch pytorch_model.bin or sharded
// pytorch_model.bin.index.json, read without executing its pickle. (Other sources, such as the golden
// data's formula weights, come in through Options.Weights.)
func openWeights(dir string) (string, []TensorFile, error) {
	single := filepath.Join(dir, "model.safetensors")
	if _, err := os.Stat(single); err == nil {
		f, err := safetensors.Open(single)
		if err != nil {
			return "", nil, err
		}
		return single, []TensorFile{f}, nil
	}
	index := filepath.Join(dir, "model.safetensors.index.json")
	if _, err := os.Stat(index); err == nil {
		files, err := openShards(dir, index, safetensors.Open)
		return index, files, err
	}
	for _, name := range []string{"pytorch_model.bin", "pytorch_model.bin.index.json"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return openTorchWeights(dir, name)
		}
	}
	return "", nil, fmt.Errorf("%s: no model.safetensors, model.safetensors.index.json, "+
		"pytorch_model.bin or pytorch_model.bin.index.json", dir)
}

// shardFile is one shard of a sharded checkpoint: safetensors or PyTorch.
type shardFile interface {
	TensorFile
	Has(name string) bool
}

// openShards opens the shards an index file (model.safetensors.index.json or
// pytorch_model.bin.index.json: {"weight_map": {tensor: file}}) names, with open, and checks that each
// shard holds the tensors the index puts in it.
func openShards[F shardFile](dir, index string, open func(path string) (F, error)) ([]TensorFile, error) {
	data, err := safefile.ReadFile(index, filepath.Base(index), safefile.IndexLimit)
	if err != nil {
		return nil, err
	}
	var idx struct {
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(data, &idx); err != nil {
		return nil, fmt.Errorf("%s: malformed JSON: %w", index, err)
	}
	if len(idx.WeightMap) == 0 {
		return nil, fmt.Errorf("%s: empty weight_map", index)
	}
	byFile := map[string][]string{}
	for tensor, file := range idx.WeightMap {
		if file == "" || filepath.Base(file) != file || file == ".." || file == "." {
			return nil, fmt.Errorf("%s: tensor %q maps to %q, which is not a file name in the checkpoint folder", index, tensor, file)
		}
		byFile[file] = append(byFile[file], tensor)
	}
	names := make([]string, 0, len(byFile))
	for n := range byFile {
		names = append(names, n)
	}
	sort.Strings(names)
	var files []TensorFile
	fail := func(err error) ([]TensorFile, error) {
		for _, g := range files {
			_ = g.Close()
		}
		return nil, err
	}
	for _, n := range names {
		f, err := open(filepath.Join(dir, n))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return fail(fmt.Errorf("%s names shard %s, which is missing: %w", index, n, err))
			}
			return fail(err)
		}
		files = append(files, f)
		for _, t := range byFile[n] {
			if !f.Has(t) {
				return fail(fmt.Errorf("%s says tensor %q is in %s, but it is not", index, t, n))
			}
		}
	}
	return files, nil
}
