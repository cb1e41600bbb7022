package torchbin

import (
	"archive/zip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xclipfilter/xclipfilter/internal/golden"
)

// FuzzUnpickle runs the restricted unpickler and the state dict checks on arbitrary bytes: nothing may
// panic, and what is accepted must be a consistent state dict. Seeds: the golden tiny-b data.pkl (when
// the golden data is present; it may not be copied into the repository), pickles torch.save would write
// and the hostile ones of the tests.
func FuzzUnpickle(f *testing.F) {
	if os.Getenv(golden.EnvVar) != "" {
		f.Add(goldenPickle(f, filepath.Join(golden.Dir(f, "xclip-tiny-b"), "pytorch_model.bin")))
	}
	f.Add(statePickle(goodView))
	f.Add(statePickle(goodView, view{name: "v", class: "BFloat16Storage", key: "1", numel: 4, offset: 1, shape: []int64{3, 1}, stride: []int64{1, 3}, parameter: true}))
	f.Add(callPickle("os", "system", false))
	f.Add(callPickle("builtins", "eval", true))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<20 {
			t.Skip("larger than a fuzz input needs to be")
		}
		records, err := stateDict(data)
		if err != nil {
			return
		}
		for i, r := range records {
			if i > 0 && records[i-1].name >= r.name {
				t.Fatalf("names not sorted and unique: %q then %q", records[i-1].name, r.name)
			}
			if r.numel < 0 || r.numel > maxNumel || r.offset < 0 || r.extent < 0 || len(r.shape) != len(r.stride) {
				t.Fatalf("tensor %q accepted with numel %d, offset %d, extent %d, shape %v, stride %v", r.name, r.numel, r.offset, r.extent, r.shape, r.stride)
			}
		}
	})
}

// goldenPickle extracts data.pkl from a torch.save archive.
func goldenPickle(tb testing.TB, path string) []byte {
	tb.Helper()
	z, err := zip.OpenReader(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer z.Close()
	for _, f := range z.File {
		if strings.HasSuffix(f.Name, "/data.pkl") {
			rc, err := f.Open()
			if err != nil {
				tb.Fatal(err)
			}
			defer rc.Close()
			b, err := io.ReadAll(rc)
			if err != nil {
				tb.Fatal(err)
			}
			return b
		}
	}
	tb.Fatalf("%s has no data.pkl", path)
	return nil
}
