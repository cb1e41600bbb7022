package npy

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// handMade builds a .npy file byte by byte: magic, version, header length field, header, data.
func handMade(major byte, header string, data []byte) []byte {
	var b bytes.Buffer
	b.WriteString("\x93NUMPY")
	b.WriteByte(major)
	b.WriteByte(0)
	if major == 1 {
		binary.Write(&b, binary.LittleEndian, uint16(len(header)))
	} else {
		binary.Write(&b, binary.LittleEndian, uint32(len(header)))
	}
	b.WriteString(header)
	b.Write(data)
	return b.Bytes()
}

func seq(n int) []byte {
	d := make([]byte, n)
	for i := range d {
		d[i] = byte(i * 7)
	}
	return d
}

// TestReadHandMade: version 1 and 2 files as numpy.save writes them (a [2, 3, 4, 3] uint8 array, the
// header padded to 64 bytes), read from disk.
func TestReadHandMade(t *testing.T) {
	data := seq(2 * 3 * 4 * 3)
	// numpy.save's layout: the dict, spaces, a newline, the data starting at a multiple of 64 bytes.
	h1 := "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3, 4, 3), }" + strings.Repeat(" ", 52) + "\n"
	if (10+len(h1))%64 != 0 {
		t.Fatalf("test header misaligned: %d", 10+len(h1))
	}
	for _, f := range []struct {
		name string
		b    []byte
	}{
		{"v1.npy", handMade(1, h1, data)},
		{"v2.npy", handMade(2, `{"descr": "<u1", "fortran_order": False, "shape": (2,3,4,3)}`+"\n", data)},
	} {
		p := filepath.Join(t.TempDir(), f.name)
		if err := os.WriteFile(p, f.b, 0o644); err != nil {
			t.Fatal(err)
		}
		a, err := ReadFile(p)
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		if len(a.Shape) != 4 || a.Shape[0] != 2 || a.Shape[1] != 3 || a.Shape[2] != 4 || a.Shape[3] != 3 || !bytes.Equal(a.Data, data) {
			t.Errorf("%s: shape %v, data equal %v", f.name, a.Shape, bytes.Equal(a.Data, data))
		}
	}
	// Write gives back the hand-made version 1 file, byte for byte.
	var b bytes.Buffer
	if err := Write(&b, &Array{Shape: []int{2, 3, 4, 3}, Data: data}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b.Bytes(), handMade(1, h1, data)) {
		t.Errorf("Write:\n%q\nwant\n%q", b.Bytes()[:80], handMade(1, h1, data)[:80])
	}
	// A 1-D array and a scalar.
	for _, c := range []struct {
		header string
		n      int
		shape  int
	}{{"{'descr': '|u1', 'fortran_order': False, 'shape': (5,), }\n", 5, 1}, {"{'descr': '|u1', 'fortran_order': False, 'shape': (), }\n", 1, 0}} {
		a, err := Read(bytes.NewReader(handMade(1, c.header, seq(c.n))), -1)
		if err != nil || len(a.Shape) != c.shape || len(a.Data) != c.n {
			t.Errorf("%q: %+v, %v", c.header, a, err)
		}
	}
}

// TestRefused: what is not C-order uint8 in a known version is refused with an error saying what.
func TestRefused(t *testing.T) {
	ok := "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }\n"
	for _, c := range []struct {
		name string
		b    []byte
		want string
	}{
		{"float32", handMade(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n", seq(24)), `dtype "<f4"`},
		{"fortran", handMade(1, "{'descr': '|u1', 'fortran_order': True, 'shape': (2, 3), }\n", seq(6)), "fortran_order"},
		{"structured", handMade(1, "{'descr': [('a', '|u1')], 'fortran_order': False, 'shape': (2,), }\n", seq(2)), "structured"},
		{"version", append(append([]byte("\x93NUMPY\x04\x00"), 0, 0), seq(6)...), "version 4.0"},
		{"magic", append([]byte("PK\x03\x04\x14\x00\x00\x00"), seq(10)...), "not a .npy file"},
		{"short data", handMade(1, ok, seq(5)), "needs 6 data bytes, the file has 5"},
		{"long data", handMade(1, ok, seq(7)), "needs 6 data bytes, the file has 7"},
		{"no shape", handMade(1, "{'descr': '|u1', 'fortran_order': False}\n", nil), "no 'shape'"},
		{"bad dim", handMade(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (2, x), }\n", nil), "bad dimension"},
		{"huge", handMade(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (100000000, 100000000, 100000), }\n", nil), "too large"},
		{"header past end", []byte("\x93NUMPY\x02\x00\xff\xff\xff\x7f{"), "larger than the file"},
		{"empty", nil, "too short"},
	} {
		p := filepath.Join(t.TempDir(), "x.npy")
		if err := os.WriteFile(p, c.b, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := ReadFile(p)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: err = %v, want %q and the file name", c.name, err, c.want)
		}
	}
}
