package torchbin

import (
	"fmt"
	"math"
	"math/bits"
	"sort"
)

// DType is a storage's element type, spelled as safetensors spells it ("F32", "BF16", ...).
type DType string

// The storage classes torch.save names in a state dict, and their element types.
var storageDTypes = map[string]DType{
	"FloatStorage": "F32", "HalfStorage": "F16", "BFloat16Storage": "BF16", "DoubleStorage": "F64",
	"LongStorage": "I64", "IntStorage": "I32", "ShortStorage": "I16", "CharStorage": "I8",
	"ByteStorage": "U8", "BoolStorage": "BOOL",
}

// Size is the element size in bytes.
func (d DType) Size() int64 {
	switch d {
	case "F64", "I64":
		return 8
	case "F32", "I32":
		return 4
	case "F16", "BF16", "I16":
		return 2
	}
	return 1
}

// Limits of one tensor view: ranks and element counts beyond these are corrupt or hostile.
const (
	maxRank  = 16
	maxNumel = 1 << 40
)

// findGlobal is the policy: the only classes and functions a state dict's pickle may name. Everything
// else — os.system, builtins.eval, torch.load, any class with a __reduce__ — is refused here, before it
// could be called, with the name it asked for.
func findGlobal(module, name string) (global, error) {
	ok := false
	switch module {
	case "collections":
		ok = name == "OrderedDict"
	case "torch._utils":
		ok = name == "_rebuild_tensor_v2" || name == "_rebuild_tensor" || name == "_rebuild_parameter"
	case "torch":
		_, ok = storageDTypes[name]
	}
	if !ok {
		return global{}, fmt.Errorf("refusing to load global %s.%s: only a state dict's classes are allowed", module, name)
	}
	return global{module, name}, nil
}

// call runs REDUCE (or NEWOBJ) of an allowed global: it builds the value torch would, from checked
// arguments, and never runs code.
func call(fn global, args tuple) (any, error) {
	switch fn.name {
	case "OrderedDict":
		if len(args) != 0 {
			return nil, fmt.Errorf("collections.OrderedDict with %d arguments, want none", len(args))
		}
		return &dict{ordered: true}, nil
	case "_rebuild_tensor_v2", "_rebuild_tensor":
		// _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
		// _rebuild_tensor(storage, storage_offset, size, stride)
		want := []int{6, 7}
		if fn.name == "_rebuild_tensor" {
			want = []int{4, 4}
		}
		if len(args) < want[0] || len(args) > want[1] {
			return nil, fmt.Errorf("%s.%s with %d arguments, want %d", fn.module, fn.name, len(args), want[0])
		}
		if len(args) > 5 {
			if err := noHooks(args[5]); err != nil {
				return nil, err
			}
		}
		return rebuildTensor(args[0], args[1], args[2], args[3])
	case "_rebuild_parameter":
		// _rebuild_parameter(data, requires_grad, backward_hooks): a Parameter is its tensor.
		if len(args) != 3 {
			return nil, fmt.Errorf("torch._utils._rebuild_parameter with %d arguments, want 3", len(args))
		}
		t, ok := args[0].(*tensor)
		if !ok {
			return nil, fmt.Errorf("torch._utils._rebuild_parameter of a %s, want a tensor", kind(args[0]))
		}
		if err := noHooks(args[2]); err != nil {
			return nil, err
		}
		return t, nil
	}
	return nil, fmt.Errorf("calling %s.%s is not allowed", fn.module, fn.name)
}

// noHooks checks a tensor's backward_hooks argument: an empty OrderedDict (a hook could only be a
// function, which findGlobal refuses anyway).
func noHooks(v any) error {
	d, ok := v.(*dict)
	if !ok || len(d.keys) != 0 {
		return fmt.Errorf("backward_hooks is a %s, want an empty OrderedDict", kind(v))
	}
	return nil
}

func rebuildTensor(st, offset, size, stride any) (*tensor, error) {
	s, ok := st.(*storage)
	if !ok {
		return nil, fmt.Errorf("tensor built on a %s, not a storage", kind(st))
	}
	off, ok := offset.(int64)
	if !ok || off < 0 {
		return nil, fmt.Errorf("tensor storage_offset is %s, want an int >= 0", describeInt(offset))
	}
	shape, err := intTuple("size", size)
	if err != nil {
		return nil, err
	}
	strides, err := intTuple("stride", stride)
	if err != nil {
		return nil, err
	}
	if len(strides) != len(shape) {
		return nil, fmt.Errorf("tensor has %d sizes and %d strides", len(shape), len(strides))
	}
	return &tensor{storage: s, offset: off, shape: shape, stride: strides}, nil
}

// intTuple checks a size or stride tuple: at most maxRank ints, each >= 0.
func intTuple(what string, v any) ([]int64, error) {
	t, ok := v.(tuple)
	if !ok {
		return nil, fmt.Errorf("tensor %s is a %s, want a tuple of ints", what, kind(v))
	}
	if len(t) > maxRank {
		return nil, fmt.Errorf("tensor %s has %d dimensions, more than %d", what, len(t), maxRank)
	}
	out := make([]int64, len(t))
	for i, e := range t {
		n, ok := e.(int64)
		if !ok || n < 0 {
			return nil, fmt.Errorf("tensor %s[%d] is %s, want an int >= 0", what, i, describeInt(e))
		}
		out[i] = n
	}
	return out, nil
}

func describeInt(v any) string {
	if n, ok := v.(int64); ok {
		return fmt.Sprint(n)
	}
	return "a " + kind(v)
}

// build runs BUILD: only an OrderedDict's attribute dict (torch.save stores a state dict's _metadata
// there, the layers' versions), which the loader does not need and drops.
func build(obj, state any) error {
	d, ok := obj.(*dict)
	if !ok || !d.ordered {
		return fmt.Errorf("sets the state of a %s; only an OrderedDict's may be set", kind(obj))
	}
	if _, ok := state.(*dict); !ok {
		return fmt.Errorf("OrderedDict state is a %s, want a dict", kind(state))
	}
	return nil
}

// persistentLoad resolves BINPERSID: torch.save's ('storage', StorageType, key, location, numel).
func persistentLoad(pid any) (*storage, error) {
	t, ok := pid.(tuple)
	if !ok || len(t) != 5 {
		return nil, fmt.Errorf("persistent id is a %s, want ('storage', StorageType, key, location, numel)", kind(pid))
	}
	if tag, _ := t[0].(string); tag != "storage" {
		return nil, fmt.Errorf("persistent id of kind %s, want 'storage'", describeString(t[0]))
	}
	cls, ok := t[1].(global)
	dtype := storageDTypes[cls.name]
	if !ok || cls.module != "torch" || dtype == "" {
		return nil, fmt.Errorf("storage type is %s, want a torch storage class", kind(t[1]))
	}
	key, ok := t[2].(string)
	if !ok || key == "" || len(key) > maxLine {
		return nil, fmt.Errorf("storage key is %s, want a short string", describeString(t[2]))
	}
	numel, ok := t[4].(int64)
	if !ok || numel < 0 {
		return nil, fmt.Errorf("storage %s has %s elements, want an int >= 0", key, describeInt(t[4]))
	}
	if numel > math.MaxInt64/8 {
		return nil, fmt.Errorf("storage %s claims %d elements", key, numel)
	}
	return &storage{dtype: dtype, key: key, numel: numel}, nil
}

func describeString(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return "a " + kind(v)
}

// record is one tensor of a state dict: its name and checked view.
type record struct {
	name   string
	dtype  DType
	key    string // storage entry: data/<key>
	numel  int64  // elements of the view
	offset int64  // first element in the storage
	extent int64  // elements of the storage the view spans (offset + extent <= storage numel)
	shape  []int64
	stride []int64
}

// contiguous reports whether the view is the row-major run [offset, offset+numel).
func (r *record) contiguous() bool {
	want := int64(1)
	for i := len(r.shape) - 1; i >= 0; i-- {
		if r.shape[i] != 1 && r.stride[i] != want {
			return false
		}
		want *= r.shape[i]
	}
	return true
}

// stateDict reads a pickle that torch.save wrote for a state dict (a dict or OrderedDict of tensor name
// to tensor) and returns its tensors sorted by name, each view checked against its storage's size.
func stateDict(pkl []byte) ([]record, error) {
	v, err := unpickle(pkl)
	if err != nil {
		return nil, err
	}
	d, ok := v.(*dict)
	if !ok {
		return nil, fmt.Errorf("holds a %s, want a state dict (a dict of tensors)", kind(v))
	}
	seen := make(map[string]bool, len(d.keys))
	out := make([]record, 0, len(d.keys))
	for i, k := range d.keys {
		name, ok := k.(string)
		if !ok {
			return nil, fmt.Errorf("state dict key %d is a %s, want a tensor name", i, kind(k))
		}
		if seen[name] {
			return nil, fmt.Errorf("tensor %q appears twice", name)
		}
		seen[name] = true
		t, ok := d.vals[i].(*tensor)
		if !ok {
			return nil, fmt.Errorf("state dict entry %q is a %s, not a tensor (a training checkpoint? save model.state_dict())", name, kind(d.vals[i]))
		}
		r, err := check(name, t)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}

// check computes a view's element count and extent without overflow and keeps it inside its storage.
func check(name string, t *tensor) (record, error) {
	r := record{name: name, dtype: t.storage.dtype, key: t.storage.key, offset: t.offset, shape: t.shape, stride: t.stride}
	numel, last := int64(1), int64(0) // last: index of the view's last element relative to offset
	for i, n := range t.shape {
		if n > maxNumel {
			return record{}, fmt.Errorf("tensor %q: shape %v has a dimension of more than %d", name, t.shape, int64(maxNumel))
		}
		hi, lo := bits.Mul64(uint64(numel), uint64(n))
		if hi != 0 || lo > maxNumel {
			return record{}, fmt.Errorf("tensor %q: shape %v has more than %d elements", name, t.shape, int64(maxNumel))
		}
		numel = int64(lo)
		if n == 0 {
			continue
		}
		hi, lo = bits.Mul64(uint64(n-1), uint64(t.stride[i]))
		if hi != 0 || lo > math.MaxInt64/2 || last > math.MaxInt64/2-int64(lo) {
			return record{}, fmt.Errorf("tensor %q: shape %v with stride %v overflows", name, t.shape, t.stride)
		}
		last += int64(lo)
	}
	r.numel = numel
	if numel > 0 {
		r.extent = last + 1
		if r.offset > t.storage.numel || r.extent > t.storage.numel-r.offset {
			return record{}, fmt.Errorf("tensor %q: view of shape %v, stride %v at offset %d runs past its storage %s of %d elements",
				name, t.shape, t.stride, t.offset, t.storage.key, t.storage.numel)
		}
	}
	return r, nil
}
