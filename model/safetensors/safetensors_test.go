package safetensors

import (
	"encoding/binary"
	"math"
	"strings"
	"testing"
)

func sample(t testing.TB) []byte {
	buf, err := Encode(map[string]Tensor{
		"a":      {Shape: []int{2, 3}, Data: []float32{1, 2, 3, 4, 5, 6}},
		"scalar": {Shape: []int{}, Data: []float32{2.5}},
	}, map[string]string{"format": "pt"})
	if err != nil {
		t.Fatal(err)
	}
	return buf
}

func TestRoundTrip(t *testing.T) {
	f, err := Parse("mem", sample(t))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.Names(), ","); got != "a,scalar" {
		t.Errorf("names %s", got)
	}
	d, s, err := f.Float32("a")
	if err != nil || len(s) != 2 || s[0] != 2 || s[1] != 3 || d[5] != 6 {
		t.Errorf("a = %v %v %v", d, s, err)
	}
	d, s, err = f.Float32("scalar")
	if err != nil || len(s) != 0 || len(d) != 1 || d[0] != 2.5 {
		t.Errorf("scalar = %v %v %v", d, s, err)
	}
	if _, _, err := f.Float32("nope"); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("missing tensor error %v", err)
	}
	if _, _, err := f.Int64("a"); err == nil || !strings.Contains(err.Error(), "F32") {
		t.Errorf("dtype error %v", err)
	}
}

// TestHalfPrecision checks the F16 conversion on every bit pattern against its definition.
func TestHalfPrecision(t *testing.T) {
	for h := range 1 << 16 {
		got := F16ToF32(uint16(h))
		sign := 1.0
		if h&0x8000 != 0 {
			sign = -1
		}
		e, m := (h>>10)&0x1f, h&0x3ff
		var want float64
		switch e {
		case 0:
			want = sign * float64(m) * math.Exp2(-24)
		case 0x1f:
			if m != 0 {
				if !math.IsNaN(float64(got)) {
					t.Fatalf("%#04x: got %v, want NaN", h, got)
				}
				continue
			}
			want = sign * math.Inf(1)
		default:
			want = sign * (1 + float64(m)/1024) * math.Exp2(float64(e-15))
		}
		if float64(got) != want || math.Signbit(float64(got)) != (sign < 0) {
			t.Fatalf("%#04x: got %v, want %v", h, got, want)
		}
	}
}

func TestBadBuffers(t *testing.T) {
	good := sample(t)
	hdrLen := binary.LittleEndian.Uint64(good)
	for _, tc := range []struct {
		name string
		buf  []byte
		msg  string
	}{
		{"short", good[:5], "shorter than the 8-byte header length"},
		{"truncated data", good[:len(good)-1], "truncated"},
		{"truncated header", good[:8+hdrLen/2], "header length"},
		{"not json", append(binary.LittleEndian.AppendUint64(nil, 4), "abcd"...), "not valid JSON"},
		{"bad offsets", withHeader(`{"x":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}`, 8), "end before they start"},
		{"overlapping", withHeader(`{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"y":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, 4), "invalid"},
		{"shape mismatch", withHeader(`{"x":{"dtype":"F32","shape":[3],"data_offsets":[0,4]}}`, 4), "invalid"},
		{"huge shape", withHeader(`{"x":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}`, 4), "invalid"},
		{"unknown dtype", withHeader(`{"x":{"dtype":"Q4","shape":[1],"data_offsets":[0,4]}}`, 4), `unsupported dtype "Q4"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("f.safetensors", tc.buf)
			if err == nil || !strings.Contains(err.Error(), tc.msg) || !strings.Contains(err.Error(), "f.safetensors") {
				t.Errorf("err %v, want one naming the file and mentioning %q", err, tc.msg)
			}
		})
	}
}

func withHeader(h string, dataLen int) []byte {
	buf := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
	return append(append(buf, h...), make([]byte, dataLen)...)
}

// FuzzParse: no input may panic the parser or make it read out of bounds; whatever parses must give
// tensors whose data matches their declared size.
func FuzzParse(f *testing.F) {
	f.Add(sample(f))
	f.Add(withHeader(`{"x":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}`, 4))
	f.Add(withHeader(`{"x":{"dtype":"F16","shape":[],"data_offsets":[0,2]},"__metadata__":{"a":"b"}}`, 2))
	f.Add(withHeader(`{"x":{"dtype":"I64","shape":[1,1],"data_offsets":[0,8]}}`, 8))
	f.Add(withHeader(`{"x":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}`, 0))
	f.Add([]byte{})
	f.Add(binary.LittleEndian.AppendUint64(nil, math.MaxUint64))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz", data)
		if err != nil {
			return
		}
		for _, n := range s.Names() {
			shape, _ := s.Shape(n)
			want := 1
			for _, d := range shape {
				want *= d
			}
			switch s.DType(n) {
			case "F32", "F16", "BF16":
				d, _, err := s.Float32(n)
				if err != nil || len(d) != want {
					t.Fatalf("%s: %d values for shape %v (%v)", n, len(d), shape, err)
				}
			case "I64", "I32":
				d, _, err := s.Int64(n)
				if err != nil || len(d) != want {
					t.Fatalf("%s: %d values for shape %v (%v)", n, len(d), shape, err)
				}
			}
		}
	})
}
