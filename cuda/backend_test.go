package cuda

import (
	"math"
	"testing"

	"github.com/xclipfilter/xclipfilter/model"
	"github.com/xclipfilter/xclipfilter/model/backendtest"
)

// The conformance suite on the emulated device, in every mode: every operation against the
// reference (this checks everything on the Go side: arguments in the kernels' order, strides, launch
// geometry, staging of host data, workspace addresses and zeroing), and the tiny golden checkpoints
// end to end, fp32 within the fp32 tolerances, bf16 and fp16 within the reduced-precision ones. The
// kernels themselves are checked by the same suite on a GPU (xclip-cuda-check ops and parity).
func TestConformanceEmulated(t *testing.T) {
	for _, dt := range []DType{FP32, BF16, FP16} {
		t.Run(dt.String(), func(t *testing.T) {
			backendtest.Run(t, backendtest.Suite{
				New: func(t *testing.T) model.Backend {
					b, err := NewEmulated(dt)
					if err != nil {
						t.Fatal(err)
					}
					t.Cleanup(b.Close)
					return b
				},
				DType:   dt.String(),
				Goldens: []string{"xclip-tiny-a", "xclip-tiny-b"}, // the real sizes only on a GPU
			})
		})
	}
}

func TestZeroElimination(t *testing.T) {
	z := span{lo: 1000, hi: 2000, dense: true}
	full := launch{writes: []span{{lo: 1000, hi: 2000, dense: true}}}
	strided := launch{writes: []span{{lo: 1000, hi: 2000}}}
	reader := launch{reads: []span{{lo: 1500, hi: 1600}}, writes: []span{{lo: 1000, hi: 2000, dense: true}}}
	other := launch{writes: []span{{lo: 3000, hi: 4000, dense: true}}}
	cases := []struct {
		rest []launch
		drop bool
	}{
		{[]launch{full}, true},
		{[]launch{other, full}, true},
		{[]launch{strided}, false},
		{[]launch{reader}, false},
		{[]launch{other}, false},
		{nil, false},
	}
	for i, c := range cases {
		if got := zeroOverwritten(c.rest, z); got != c.drop {
			t.Errorf("case %d: dropped = %v, want %v", i, got, c.drop)
		}
	}
}

// Workspaces hand out the same addresses for the same sequence of allocations (what graph replay
// needs), and grow with a new chunk when a request does not fit.
func TestWorkspaceDeterministic(t *testing.T) {
	b, err := NewEmulated(FP32)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	sizes := [][2]int{{3, 5}, {1000, 1000}, {20000, 1000}, {7, 7}, {5000, 4000}}
	var first []uintptr
	for pass := range 3 {
		ws := b.Workspace()
		var got []uintptr
		for _, s := range sizes {
			m := ws.Alloc(s[0], s[1])
			if m.Dev%allocAlign != 0 {
				t.Fatalf("address %#x not aligned", m.Dev)
			}
			got = append(got, m.Dev)
		}
		ws.Release()
		if pass == 0 {
			first = got
			continue
		}
		for i := range got {
			if got[i] != first[i] {
				t.Fatalf("pass %d: allocation %d at %#x, first pass %#x", pass, i, got[i], first[i])
			}
		}
	}
	// Distinct allocations do not overlap.
	for i := range first {
		for j := range first {
			if i != j {
				si := uintptr(4 * sizes[i][0] * sizes[i][1])
				if first[i] <= first[j] && first[j] < first[i]+si {
					t.Fatalf("allocations %d and %d overlap", i, j)
				}
			}
		}
	}
	before := b.WorkspaceBytes()
	b.Trim()
	if after := b.WorkspaceBytes(); after != 0 || before == 0 {
		t.Errorf("workspace bytes %d before Trim, %d after", before, after)
	}
}

func TestAttentionBlock(t *testing.T) {
	for _, c := range []struct{ lq, lk, hd int }{{51, 51, 64}, {258, 258, 64}, {77, 77, 64}, {8, 8, 64}, {8, 256, 96}, {5, 49, 10}} {
		qb, shared, ok := attentionBlock(c.lq, c.lk, c.hd)
		if !ok || qb%4 != 0 || qb < 4 || shared > attSharedMax || qb*c.hd > attThreads*attEPT {
			t.Errorf("attentionBlock(%v) = %d, %d, %v", c, qb, shared, ok)
		}
	}
	if _, _, ok := attentionBlock(8, 4000, 64); ok {
		t.Error("4000 keys should not fit")
	}
}

func TestPackWeights(t *testing.T) {
	w := []float32{1, 2, 3, 4, 5, 6}
	buf, ldw := packWeights(w, 2, 3, BF16)
	if ldw != 32 || len(buf) != 128*32*2 {
		t.Fatalf("ldw %d, %d bytes", ldw, len(buf))
	}
	got := BF16Float(uint16(buf[2*(32+2)]) | uint16(buf[2*(32+2)+1])<<8)
	if got != 6 {
		t.Errorf("W[1][2] = %v, want 6", got)
	}
	if math.Float32bits(BF16Float(uint16(buf[2*3])|uint16(buf[2*3+1])<<8)) != 0 {
		t.Error("padding not zero")
	}
}
