package soak

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-gst/go-gst/gst"

	"github.com/xclipfilter/xclipfilter/elements/xclipfilter"
	"github.com/xclipfilter/xclipfilter/elements/xclipmetapublish"
)

func TestMain(m *testing.M) {
	tmp, err := os.MkdirTemp("", "xclip-soak-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// This process registers the elements statically: it must not also find libgstxclip.so.
	os.Unsetenv("GST_PLUGIN_PATH")
	os.Setenv("GST_REGISTRY", filepath.Join(tmp, "registry.bin"))
	gst.Init(nil)
	for _, register := range []func() error{xclipfilter.RegisterStatic, xclipmetapublish.RegisterStatic} {
		if err := register(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(tmp)
	os.Exit(code)
}
