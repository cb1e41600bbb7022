package backendtest

import (
	"os"
	"testing"

	"github.com/xclipfilter/xclipfilter/internal/formula"
	"github.com/xclipfilter/xclipfilter/internal/golden"
	"github.com/xclipfilter/xclipfilter/model"
)

// Suite describes one backend configuration under test (a backend, a precision, a kernel path).
type Suite struct {
	// New returns a fresh backend; it registers its own clean-up (t.Cleanup) if it needs one.
	New func(t *testing.T) model.Backend
	// DType is "fp32", "bf16" or "fp16": the operations' tolerances (ForDType), and whether the
	// goldens are held to the fp32 or the reduced-precision tolerances.
	DType string
	// Goldens are the golden checkpoints run end to end. Nil means DefaultGoldens.
	Goldens []string
}

// DefaultGoldens are the tiny checkpoints (always: the repository carries them) and, when
// XCLIP_GOLDEN is set, base-patch32-8f (not with -short).
func DefaultGoldens() []string {
	names := []string{"xclip-tiny-a", "xclip-tiny-b"}
	if os.Getenv(golden.EnvVar) != "" && !testing.Short() {
		names = append(names, "base-patch32-8f")
	}
	return names
}

// Run runs the conformance suite as subtests of t: "ops" (Ops against the Reference) and
// "golden/NAME" (Parity, each checkpoint loaded on a fresh backend).
func Run(t *testing.T, s Suite) {
	t.Helper()
	t.Run("ops", func(t *testing.T) {
		report(t, Ops(s.New(t), ForDType(s.DType)))
	})
	goldens := s.Goldens
	if goldens == nil {
		goldens = DefaultGoldens()
	}
	for _, name := range goldens {
		t.Run("golden/"+name, func(t *testing.T) {
			dir := golden.Checkpoint(t, name)
			opts, err := formula.WithWeights(dir, model.Options{Backend: s.New(t)})
			if err != nil {
				t.Fatal(err)
			}
			m, err := model.Load(dir, opts)
			if err != nil {
				t.Fatal(err)
			}
			rs, err := Parity(m, dir, s.DType != "fp32")
			if err != nil {
				t.Fatal(err)
			}
			report(t, rs)
		})
	}
}

// report fails t for each failed result and logs the others.
func report(t *testing.T, rs []Result) {
	t.Helper()
	if len(rs) == 0 {
		t.Fatal("no checks ran")
	}
	for _, r := range rs {
		if r.OK() {
			t.Log(r)
		} else {
			t.Error(r)
		}
	}
}
