// Package golden locates the peer implementation's reference outputs (../shared/golden) for tests.
//
// The folder is named by the XCLIP_GOLDEN environment variable. When it is unset, golden tests skip (a
// developer without the data can still run the rest); when it is set, missing data is a test failure, so
// that CI, which sets it, can never pass by skipping.
package golden

import (
	"os"
	"path/filepath"
	"testing"
)

// EnvVar names the golden folder.
const EnvVar = "XCLIP_GOLDEN"

// Dir returns the golden folder joined with elem, skipping the test when EnvVar is unset and failing it
// when EnvVar is set but the path does not exist.
func Dir(t testing.TB, elem ...string) string {
	t.Helper()
	root := os.Getenv(EnvVar)
	if root == "" {
		t.Skipf("%s is not set: golden comparison skipped", EnvVar)
	}
	p := filepath.Join(append([]string{root}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%s=%s is set but golden data is missing: %v", EnvVar, root, err)
	}
	return p
}
