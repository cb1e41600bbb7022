package torchbin

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
)

// good is one valid F32 tensor of 6 elements in storage "0".
var goodView = view{name: "w", class: "FloatStorage", key: "0", numel: 6, shape: []int64{2, 3}, stride: []int64{3, 1}}

func goodStorage() map[string][]byte { return map[string][]byte{"0": le32(0, 1, 2, 3, 4, 5)} }

// callPickle is a pickle that calls module.name(arg) the way an exploit does: GLOBAL, args, REDUCE.
func callPickle(module, name string, stack bool) []byte {
	var p pickler
	p.op(opProto, 2)
	if stack {
		p.str(module)
		p.str(name)
		p.op(opStackGlobal)
	} else {
		p.global(module, name)
	}
	p.str("echo pwned")
	p.op(opTuple1, opReduce, opStop)
	return p.b
}

// Globals outside a state dict's classes are refused at GLOBAL, naming the class, before any REDUCE.
func TestRefusesGlobals(t *testing.T) {
	for _, g := range [][2]string{
		{"os", "system"}, {"posix", "system"}, {"builtins", "eval"}, {"__builtin__", "getattr"},
		{"torch", "load"}, {"subprocess", "Popen"}, {"torch._utils", "_rebuild_device_tensor_from_numpy"},
		{"collections", "defaultdict"}, {"torch", "Tensor"},
	} {
		for _, stack := range []bool{false, true} {
			path := withPickle(t, callPickle(g[0], g[1], stack), nil)
			expectOpenError(t, path, "data.pkl", "refusing to load global "+g[0]+"."+g[1], "only a state dict's classes are allowed")
		}
	}
	// An allowed class may still not be called for anything but what torch.save does with it.
	var p pickler
	p.op(opProto, 2)
	p.global("torch", "FloatStorage")
	p.op(opEmptyTuple, opReduce, opStop)
	expectOpenError(t, withPickle(t, p.b, nil), "calling torch.FloatStorage is not allowed")
	// A hostile global hidden inside a tensor's arguments (backward hooks) is refused the same way.
	pkl := statePickle(goodView)
	i := bytes.Index(pkl, []byte("collections\nOrderedDict\n)R"))
	hooked := append(append([]byte{}, pkl[:i]...), []byte("builtins\nprint\n)R")...)
	hooked = append(hooked, pkl[i+len("collections\nOrderedDict\n)R"):]...)
	expectOpenError(t, withPickle(t, hooked, goodStorage()), "refusing to load global builtins.print")
}

// Every way the archive or the pickle can lie is a clear error naming the file.
func TestHostileArchives(t *testing.T) {
	var deep pickler
	deep.op(opProto, 2)
	for range 1000 {
		deep.op(opMark)
	}
	var memo pickler
	memo.op(opProto, 2, opBinGet, 5, opStop)
	var longMemo pickler
	longMemo.op(opProto, 2, opLongBinGet, 0xff, 0xff, 0xff, 0xff, opStop)
	var bigInt pickler
	bigInt.op(opProto, 2, opLong1, 9, 0, 0, 0, 0, 0, 0, 0, 0, 1, opStop)
	var bigLong4 pickler
	bigLong4.op(opProto, 2, opLong4, 0xff, 0xff, 0xff, 0x7f, opStop)
	var hugeString pickler
	hugeString.op(opProto, 2, opBinUnicode8)
	hugeString.b = binary.LittleEndian.AppendUint64(hugeString.b, 1<<62)
	var notDict pickler
	notDict.op(opProto, 2, opEmptyList, opStop)
	var inst pickler
	inst.op(opProto, 2, 'i')
	inst.b = append(inst.b, "os\nsystem\n"...)
	var underflow pickler
	underflow.op(opProto, 2, opTuple2, opStop)
	var twoValues pickler
	twoValues.op(opProto, 2, opNone, opNone, opStop)

	dup := statePickle(goodView, goodView)
	neg := statePickle(view{name: "w", class: "FloatStorage", key: "0", numel: 6, shape: []int64{-2, 3}, stride: []int64{3, 1}})
	huge := statePickle(view{name: "w", class: "FloatStorage", key: "0", numel: 6, shape: []int64{1 << 40, 1 << 40}, stride: []int64{1, 1}})
	hugeStride := statePickle(view{name: "w", class: "FloatStorage", key: "0", numel: 6, shape: []int64{2, 3}, stride: []int64{1 << 62, 1}})
	largeStride := statePickle(view{name: "w", class: "FloatStorage", key: "0", numel: 6, shape: []int64{2, 3}, stride: []int64{1 << 30, 1}})
	pastNumel := statePickle(view{name: "w", class: "FloatStorage", key: "0", numel: 6, offset: 1, shape: []int64{2, 3}, stride: []int64{3, 1}})
	lyingNumel := statePickle(view{name: "w", class: "FloatStorage", key: "0", numel: 1 << 40, shape: []int64{1 << 20}, stride: []int64{1}})
	negNumel := statePickle(view{name: "w", class: "FloatStorage", key: "0", numel: -1, shape: []int64{2, 3}, stride: []int64{3, 1}})
	rank := statePickle(view{name: "w", class: "FloatStorage", key: "0", numel: 6, shape: make([]int64, 20), stride: make([]int64, 20)})
	badStride := statePickle(view{name: "w", class: "FloatStorage", key: "0", numel: 6, shape: []int64{2, 3}, stride: []int64{1}})

	deflated := func() string {
		return archive(t, member{name: "data.pkl", data: statePickle(goodView)}, member{name: "data/0", data: le32(0, 1, 2, 3, 4, 5), method: zip.Deflate})
	}

	for _, c := range []struct {
		name  string
		path  func() string
		wants []string
	}{
		{"not a zip", func() string { return writeFile(t, []byte("this is not a zip archive, just text")) }, []string{"not a torch.save zip archive"}},
		{"empty file", func() string { return writeFile(t, nil) }, []string{"not a torch.save zip archive"}},
		{"legacy format", func() string { return writeFile(t, []byte{0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46}) }, []string{"legacy torch.save format"}},
		{"no data.pkl", func() string { return archive(t, member{name: "data/0", data: le32(1)}) }, []string{"has 0"}},
		{"empty pickle", func() string { return withPickle(t, nil, nil) }, []string{"data.pkl", "truncated"}},
		{"deep nesting", func() string { return withPickle(t, deep.b, nil) }, []string{"data.pkl", "nested MARKs"}},
		{"memo out of range", func() string { return withPickle(t, memo.b, nil) }, []string{"memo index 5 was never stored"}},
		{"long memo out of range", func() string { return withPickle(t, longMemo.b, nil) }, []string{"memo index 4294967295 was never stored"}},
		{"integer overflow", func() string { return withPickle(t, bigInt.b, nil) }, []string{"overflows int64"}},
		{"huge LONG4", func() string { return withPickle(t, bigLong4.b, nil) }, []string{"overflows int64"}},
		{"huge string", func() string { return withPickle(t, hugeString.b, nil) }, []string{"truncated: needs"}},
		{"not a dict", func() string { return withPickle(t, notDict.b, nil) }, []string{"holds a list"}},
		{"INST opcode", func() string { return withPickle(t, inst.b, nil) }, []string{"opcode 0x69", "not supported"}},
		{"stack underflow", func() string { return withPickle(t, underflow.b, nil) }, []string{"TUPLE2", "stack underflow"}},
		{"two values at STOP", func() string { return withPickle(t, twoValues.b, nil) }, []string{"STOP with 2 values"}},
		{"duplicate tensor", func() string { return withPickle(t, dup, goodStorage()) }, []string{`tensor "w" appears twice`}},
		{"negative size", func() string { return withPickle(t, neg, goodStorage()) }, []string{"size[0] is -2"}},
		{"huge shape", func() string { return withPickle(t, huge, goodStorage()) }, []string{"more than"}},
		{"huge stride", func() string { return withPickle(t, hugeStride, goodStorage()) }, []string{"stride [4611686018427387904 1] overflows"}},
		{"large stride", func() string { return withPickle(t, largeStride, goodStorage()) }, []string{"runs past its storage"}},
		{"view past storage", func() string { return withPickle(t, pastNumel, goodStorage()) }, []string{`tensor "w"`, "runs past its storage 0 of 6 elements"}},
		{"storage smaller than view", func() string { return withPickle(t, lyingNumel, goodStorage()) }, []string{`tensor "w"`, "needs 4194304 bytes of storage data/0, which has 24"}},
		{"negative numel", func() string { return withPickle(t, negNumel, goodStorage()) }, []string{"-1 elements"}},
		{"rank 20", func() string { return withPickle(t, rank, goodStorage()) }, []string{"20 dimensions"}},
		{"sizes and strides differ", func() string { return withPickle(t, badStride, goodStorage()) }, []string{"2 sizes and 1 strides"}},
		{"storage missing", func() string { return withPickle(t, statePickle(goodView), nil) }, []string{`tensor "w"`, "storage data/0 is not in the archive"}},
		{"deflated storage", deflated, []string{`tensor "w"`, "compressed (zip method 8)"}},
		{"bad byteorder", func() string {
			return archive(t, member{name: "data.pkl", data: statePickle(goodView)}, member{name: "byteorder", data: []byte("middle")},
				member{name: "data/0", data: le32(0, 1, 2, 3, 4, 5)})
		}, []string{`byteorder: "middle"`}},
	} {
		t.Run(c.name, func(t *testing.T) { expectOpenError(t, c.path(), c.wants...) })
	}
}

// Every prefix of a valid pickle is an error (a truncated download), never a panic or a success.
func TestTruncatedPickle(t *testing.T) {
	pkl := statePickle(goodView, view{name: "v", class: "HalfStorage", key: "1", numel: 2, shape: []int64{2}, stride: []int64{1}, parameter: true})
	if _, err := stateDict(pkl); err != nil {
		t.Fatal(err)
	}
	for n := range len(pkl) {
		if _, err := stateDict(pkl[:n]); err == nil {
			t.Fatalf("a pickle cut to %d of %d bytes was accepted", n, len(pkl))
		} else if n > 0 && !strings.Contains(err.Error(), "offset") {
			t.Fatalf("cut to %d bytes: error %q does not give the offset", n, err)
		}
	}
	// A truncated data.pkl inside a valid zip (its header agreeing) is reported for the file.
	expectOpenError(t, withPickle(t, pkl[:len(pkl)/2], map[string][]byte{"0": le32(0, 1, 2, 3, 4, 5), "1": make([]byte, 4)}), "data.pkl", "truncated")
}

// A pickle built to exhaust memory stops at the value budget: dicts appended to a list need no stack.
func TestValueBudget(t *testing.T) {
	var p pickler
	p.op(opProto, 2, opEmptyList)
	for range maxValues/500 + 1 {
		p.op(opMark)
		for range 500 {
			p.op(opEmptyDict)
		}
		p.op(opAppends)
	}
	p.op(opStop)
	if _, err := stateDict(p.b); err == nil || !strings.Contains(err.Error(), "not a state dict") {
		t.Fatalf("error %v, want the value budget", err)
	}
}
