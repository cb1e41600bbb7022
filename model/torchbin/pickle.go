package torchbin

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"unicode/utf8"
)

// Limits of the unpickler. A state dict of the largest published checkpoints uses a few thousand memo
// entries, a stack of a few dozen values and marks nested four deep; these bounds are far above that and
// far below what would let a hostile pickle exhaust memory or time.
const (
	maxPickleBytes = 16 << 20 // data.pkl size (tiny-b's 198 tensors take 34 KB)
	maxStack       = 1 << 20  // values on the stack
	maxValues      = 1 << 21  // values pushed in all: bounds the memory of what containers hold
	maxMarks       = 64       // nested MARKs
	maxMemo        = 1 << 20  // memo entries
	maxLine        = 256      // module or class name of a GLOBAL
)

// Values the unpickler builds. Every opcode creates at most one value of bounded size from bytes it
// consumed, so the memory a pickle costs is linear in its length. Values may form cycles (a list appended
// to itself through the memo): nothing here walks them recursively, and errors name a value's kind, never
// its contents.
type (
	tuple []any
	list  struct{ items []any }
	// dict is a dict or a collections.OrderedDict: its items in insertion order (keys are not
	// deduplicated here; the state dict reader checks them).
	dict struct {
		keys, vals []any
		ordered    bool
	}
	// global is a class or function a GLOBAL named and the policy allowed.
	global struct{ module, name string }
	// storage is a persistent id ('storage', StorageType, key, location, numel): raw elements in the
	// archive's data/<key> entry.
	storage struct {
		dtype DType
		key   string
		numel int64
	}
	// tensor is what torch._utils._rebuild_tensor_v2 returns: a strided view into a storage.
	tensor struct {
		storage       *storage
		offset        int64
		shape, stride []int64
	}
)

// unpickler runs a pickle's opcodes with a fixed policy: GLOBAL and STACK_GLOBAL may name only the
// classes a state dict needs (see findGlobal), REDUCE may call only those, and persistent ids are storages.
// Nothing in the pickle is executed; the result is plain values.
type unpickler struct {
	data  []byte
	pos   int
	stack []any
	marks []int
	memo  map[uint32]any
	// pushed counts every value pushed. Container items were all pushed once, so this bounds the whole
	// object graph: about 100 bytes a value at most, 200 MiB for a pickle built to exhaust it.
	pushed int
}

// errorf is an error at an opcode, reported with its byte offset in data.pkl.
func (u *unpickler) errorf(at int, format string, args ...any) error {
	return fmt.Errorf("offset %d: "+format, append([]any{at}, args...)...)
}

// unpickle runs data (a whole pickle, up to its STOP) and returns the value it builds.
func unpickle(data []byte) (any, error) {
	if len(data) > maxPickleBytes {
		return nil, fmt.Errorf("%d bytes, more than the %d-byte limit for a state dict's pickle", len(data), maxPickleBytes)
	}
	u := &unpickler{data: data, memo: map[uint32]any{}}
	for {
		at := u.pos
		if u.pos >= len(u.data) {
			return nil, u.errorf(at, "truncated: the pickle ends without STOP")
		}
		op := u.data[u.pos]
		u.pos++
		done, err := u.step(op)
		if err != nil {
			return nil, u.errorf(at, "opcode %s: %w", opName(op), err)
		}
		if done {
			if len(u.stack) != 1 || len(u.marks) != 0 {
				return nil, u.errorf(at, "STOP with %d values and %d marks on the stack, want 1 value", len(u.stack), len(u.marks))
			}
			return u.stack[0], nil
		}
	}
}

// take consumes n bytes of the pickle, or reports it truncated.
func (u *unpickler) take(n uint64) ([]byte, error) {
	if n > uint64(len(u.data)-u.pos) {
		return nil, fmt.Errorf("truncated: needs %d bytes, %d left", n, len(u.data)-u.pos)
	}
	b := u.data[u.pos : u.pos+int(n)]
	u.pos += int(n)
	return b, nil
}

func (u *unpickler) uint(n int) (uint64, error) {
	b, err := u.take(uint64(n))
	if err != nil {
		return 0, err
	}
	var v uint64
	for i := n - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v, nil
}

// line reads a GLOBAL's newline-terminated module or class name.
func (u *unpickler) line() (string, error) {
	rest := u.data[u.pos:]
	i := bytes.IndexByte(rest[:min(len(rest), maxLine+1)], '\n')
	if i < 0 {
		if len(rest) <= maxLine {
			return "", fmt.Errorf("truncated: name without newline")
		}
		return "", fmt.Errorf("name longer than %d bytes", maxLine)
	}
	u.pos += i + 1
	return string(rest[:i]), nil
}

func (u *unpickler) push(v any) error {
	if len(u.stack) >= maxStack {
		return fmt.Errorf("more than %d values on the stack", maxStack)
	}
	if u.pushed++; u.pushed > maxValues {
		return fmt.Errorf("more than %d values: not a state dict", maxValues)
	}
	u.stack = append(u.stack, v)
	return nil
}

// floor is where the values above the innermost mark begin (0 without marks: they may not be popped).
func (u *unpickler) floor() int {
	if len(u.marks) == 0 {
		return 0
	}
	return u.marks[len(u.marks)-1]
}

func (u *unpickler) pop() (any, error) {
	if len(u.stack) <= u.floor() {
		return nil, fmt.Errorf("stack underflow")
	}
	v := u.stack[len(u.stack)-1]
	u.stack = u.stack[:len(u.stack)-1]
	return v, nil
}

func (u *unpickler) top() (any, error) {
	if len(u.stack) <= u.floor() {
		return nil, fmt.Errorf("stack underflow")
	}
	return u.stack[len(u.stack)-1], nil
}

// popMark returns the values above the innermost mark (a copy) and removes them and the mark.
func (u *unpickler) popMark() ([]any, error) {
	if len(u.marks) == 0 {
		return nil, fmt.Errorf("no MARK on the stack")
	}
	m := u.marks[len(u.marks)-1]
	u.marks = u.marks[:len(u.marks)-1]
	items := append([]any(nil), u.stack[m:]...)
	clear(u.stack[m:])
	u.stack = u.stack[:m]
	return items, nil
}

func (u *unpickler) popN(n int) ([]any, error) {
	if len(u.stack)-u.floor() < n {
		return nil, fmt.Errorf("stack underflow")
	}
	items := append([]any(nil), u.stack[len(u.stack)-n:]...)
	u.stack = u.stack[:len(u.stack)-n]
	return items, nil
}

func (u *unpickler) put(i uint64) error {
	v, err := u.top()
	if err != nil {
		return err
	}
	if i > math.MaxUint32 {
		return fmt.Errorf("memo index %d out of range", i)
	}
	if _, ok := u.memo[uint32(i)]; !ok && len(u.memo) >= maxMemo {
		return fmt.Errorf("more than %d memo entries", maxMemo)
	}
	u.memo[uint32(i)] = v
	return nil
}

func (u *unpickler) get(i uint64) error {
	v, ok := u.memo[uint32(i)] // i has at most 4 bytes
	if !ok {
		return fmt.Errorf("memo index %d was never stored", i)
	}
	return u.push(v)
}

func (u *unpickler) str(n uint64, checkUTF8 bool) error {
	b, err := u.take(n)
	if err != nil {
		return err
	}
	if checkUTF8 && !utf8.Valid(b) {
		return fmt.Errorf("string is not valid UTF-8")
	}
	return u.push(string(b))
}

// long decodes a LONG1/LONG4 payload: little-endian two's complement, which must fit int64.
func long(b []byte) (int64, error) {
	if len(b) == 0 {
		return 0, nil
	}
	if len(b) > 8 {
		// Python may pad with sign bytes; accept those, refuse real overflow.
		pad := byte(0)
		if b[len(b)-1]&0x80 != 0 {
			pad = 0xff
		}
		for _, c := range b[8:] {
			if c != pad {
				return 0, fmt.Errorf("integer of %d bytes overflows int64", len(b))
			}
		}
		if (b[7]&0x80 != 0) != (pad == 0xff) {
			return 0, fmt.Errorf("integer of %d bytes overflows int64", len(b))
		}
		b = b[:8]
	}
	var v uint64
	for i := len(b) - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	if len(b) < 8 && b[len(b)-1]&0x80 != 0 { // sign-extend
		v |= ^uint64(0) << (8 * len(b))
	}
	return int64(v), nil
}

// step runs one opcode; done is true at STOP.
func (u *unpickler) step(op byte) (done bool, err error) {
	switch op {
	case opProto:
		v, err := u.uint(1)
		if err != nil {
			return false, err
		}
		if v < 2 || v > 5 {
			return false, fmt.Errorf("pickle protocol %d; torch.save writes 2", v)
		}
	case opFrame:
		n, err := u.uint(8)
		if err != nil {
			return false, err
		}
		if n > uint64(len(u.data)-u.pos) {
			return false, fmt.Errorf("truncated: frame of %d bytes, %d left", n, len(u.data)-u.pos)
		}
	case opStop:
		return true, nil
	case opMark:
		if len(u.marks) >= maxMarks {
			return false, fmt.Errorf("more than %d nested MARKs", maxMarks)
		}
		u.marks = append(u.marks, len(u.stack))
	case opPop:
		_, err = u.pop()
	case opPopMark:
		_, err = u.popMark()
	case opDup:
		var v any
		if v, err = u.top(); err == nil {
			err = u.push(v)
		}
	case opNone:
		err = u.push(nil)
	case opNewTrue:
		err = u.push(true)
	case opNewFalse:
		err = u.push(false)
	case opBinInt:
		var v uint64
		if v, err = u.uint(4); err == nil {
			err = u.push(int64(int32(uint32(v))))
		}
	case opBinInt1:
		var v uint64
		if v, err = u.uint(1); err == nil {
			err = u.push(int64(v))
		}
	case opBinInt2:
		var v uint64
		if v, err = u.uint(2); err == nil {
			err = u.push(int64(v))
		}
	case opLong1, opLong4:
		var n uint64
		width := 4
		if op == opLong1 {
			width = 1
		}
		if n, err = u.uint(width); err != nil {
			return false, err
		}
		if n > 64 {
			return false, fmt.Errorf("integer of %d bytes overflows int64", n)
		}
		var b []byte
		if b, err = u.take(n); err != nil {
			return false, err
		}
		var v int64
		if v, err = long(b); err == nil {
			err = u.push(v)
		}
	case opBinFloat:
		var b []byte
		if b, err = u.take(8); err == nil {
			err = u.push(math.Float64frombits(binary.BigEndian.Uint64(b)))
		}
	case opShortBinUnicode, opShortBinString, opShortBinBytes:
		var n uint64
		if n, err = u.uint(1); err == nil {
			err = u.str(n, op == opShortBinUnicode)
		}
	case opBinUnicode, opBinString, opBinBytes:
		var n uint64
		if n, err = u.uint(4); err == nil {
			err = u.str(n, op == opBinUnicode)
		}
	case opBinUnicode8:
		var n uint64
		if n, err = u.uint(8); err == nil {
			err = u.str(n, true)
		}
	case opEmptyTuple:
		err = u.push(tuple{})
	case opEmptyList:
		err = u.push(&list{})
	case opEmptyDict:
		err = u.push(&dict{})
	case opTuple1, opTuple2, opTuple3:
		var items []any
		if items, err = u.popN(int(op-opTuple1) + 1); err == nil {
			err = u.push(tuple(items))
		}
	case opTuple:
		var items []any
		if items, err = u.popMark(); err == nil {
			err = u.push(tuple(items))
		}
	case opList:
		var items []any
		if items, err = u.popMark(); err == nil {
			err = u.push(&list{items: items})
		}
	case opDict:
		var items []any
		if items, err = u.popMark(); err == nil {
			d := &dict{}
			if err = d.setItems(items); err == nil {
				err = u.push(d)
			}
		}
	case opAppend:
		var items []any
		if items, err = u.popN(1); err == nil {
			err = u.appendTo(items)
		}
	case opAppends:
		var items []any
		if items, err = u.popMark(); err == nil {
			err = u.appendTo(items)
		}
	case opSetItem:
		var items []any
		if items, err = u.popN(2); err == nil {
			err = u.setItems(items)
		}
	case opSetItems:
		var items []any
		if items, err = u.popMark(); err == nil {
			err = u.setItems(items)
		}
	case opBinPut:
		var i uint64
		if i, err = u.uint(1); err == nil {
			err = u.put(i)
		}
	case opLongBinPut:
		var i uint64
		if i, err = u.uint(4); err == nil {
			err = u.put(i)
		}
	case opMemoize:
		err = u.put(uint64(len(u.memo)))
	case opBinGet:
		var i uint64
		if i, err = u.uint(1); err == nil {
			err = u.get(i)
		}
	case opLongBinGet:
		var i uint64
		if i, err = u.uint(4); err == nil {
			err = u.get(i)
		}
	case opGlobal:
		var module, name string
		if module, err = u.line(); err != nil {
			return false, err
		}
		if name, err = u.line(); err != nil {
			return false, err
		}
		var g global
		if g, err = findGlobal(module, name); err == nil {
			err = u.push(g)
		}
	case opStackGlobal:
		var items []any
		if items, err = u.popN(2); err != nil {
			return false, err
		}
		module, ok1 := items[0].(string)
		name, ok2 := items[1].(string)
		if !ok1 || !ok2 {
			return false, fmt.Errorf("module and name are %s and %s, want strings", kind(items[0]), kind(items[1]))
		}
		var g global
		if g, err = findGlobal(module, name); err == nil {
			err = u.push(g)
		}
	case opReduce, opNewObj:
		var items []any
		if items, err = u.popN(2); err != nil {
			return false, err
		}
		fn, ok := items[0].(global)
		if !ok {
			return false, fmt.Errorf("calls a %s, not an allowed class", kind(items[0]))
		}
		args, ok := items[1].(tuple)
		if !ok {
			return false, fmt.Errorf("%s.%s called with a %s, want a tuple", fn.module, fn.name, kind(items[1]))
		}
		var v any
		if v, err = call(fn, args); err == nil {
			err = u.push(v)
		}
	case opBuild:
		var items []any
		if items, err = u.popN(2); err != nil {
			return false, err
		}
		if err = build(items[0], items[1]); err == nil {
			err = u.push(items[0])
		}
	case opBinPersID:
		var pid any
		if pid, err = u.pop(); err != nil {
			return false, err
		}
		var s *storage
		if s, err = persistentLoad(pid); err == nil {
			err = u.push(s)
		}
	default:
		return false, fmt.Errorf("not supported in a state dict's pickle")
	}
	return false, err
}

// appendTo runs APPEND/APPENDS: items go to the list below them.
func (u *unpickler) appendTo(items []any) error {
	v, err := u.top()
	if err != nil {
		return err
	}
	l, ok := v.(*list)
	if !ok {
		return fmt.Errorf("appends to a %s, not a list", kind(v))
	}
	l.items = append(l.items, items...)
	return nil
}

// setItems runs SETITEM/SETITEMS: key, value pairs go to the dict below them.
func (u *unpickler) setItems(items []any) error {
	v, err := u.top()
	if err != nil {
		return err
	}
	d, ok := v.(*dict)
	if !ok {
		return fmt.Errorf("sets items of a %s, not a dict", kind(v))
	}
	return d.setItems(items)
}

func (d *dict) setItems(items []any) error {
	if len(items)%2 != 0 {
		return fmt.Errorf("odd number of values (%d) for key, value pairs", len(items))
	}
	for i := 0; i < len(items); i += 2 {
		d.keys = append(d.keys, items[i])
		d.vals = append(d.vals, items[i+1])
	}
	return nil
}

// kind names a value's type for error messages (never its contents, which may be cyclic or huge).
func kind(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case bool:
		return "bool"
	case int64:
		return "int"
	case float64:
		return "float"
	case string:
		return "string"
	case tuple:
		return fmt.Sprintf("tuple of %d", len(v))
	case *list:
		return "list"
	case *dict:
		if v.ordered {
			return "OrderedDict"
		}
		return "dict"
	case global:
		return v.module + "." + v.name
	case *storage:
		return "storage"
	case *tensor:
		return "tensor"
	}
	return fmt.Sprintf("%T", v)
}
