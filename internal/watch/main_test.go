package watch

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestMain(m *testing.M) {
	tmp, err := os.MkdirTemp("", "watch-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// The elements are registered in this process: it must not also load libgstxclip.so.
	os.Unsetenv("GST_PLUGIN_PATH")
	os.Setenv("GST_REGISTRY", filepath.Join(tmp, "registry.bin"))
	code := m.Run()
	os.RemoveAll(tmp)
	os.Exit(code)
}
