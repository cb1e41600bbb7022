package xclipmetapublish

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xclipfilter/xclipfilter/internal/mqtttest"
)

var pluginBuild struct {
	once sync.Once
	dir  string
	err  error
}

// pluginDir builds libgstxclip.so once (go build -buildmode=c-shared ./plugin) and returns its folder.
func pluginDir(t testing.TB) string {
	t.Helper()
	pluginBuild.once.Do(func() {
		out, err := exec.Command("go", "env", "GOMOD").Output()
		if err != nil {
			pluginBuild.err = fmt.Errorf("go env GOMOD: %v", err)
			return
		}
		dir := filepath.Join(testTmp, "plugin")
		start := time.Now()
		cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", filepath.Join(dir, "libgstxclip.so"), "./plugin")
		cmd.Dir = filepath.Dir(strings.TrimSpace(string(out)))
		if b, err := cmd.CombinedOutput(); err != nil {
			pluginBuild.err = fmt.Errorf("building the plugin: %v\n%s", err, b)
			return
		}
		os.Remove(filepath.Join(dir, "libgstxclip.h"))
		t.Logf("built libgstxclip.so in %v", time.Since(start).Round(time.Second))
		pluginBuild.dir = dir
	})
	if pluginBuild.err != nil {
		t.Fatal(pluginBuild.err)
	}
	return pluginBuild.dir
}

// gstTool runs gst-launch-1.0 or gst-inspect-1.0 with the built plugin and a registry of its own.
func gstTool(t *testing.T, tool string, args ...string) (string, error) {
	t.Helper()
	bin, err := exec.LookPath(tool)
	if err != nil {
		t.Fatalf("%s not installed (gstreamer1.0-tools)", tool)
	}
	dir := pluginDir(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	env := []string{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GST_PLUGIN_PATH=") && !strings.HasPrefix(kv, "GST_REGISTRY=") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "GST_PLUGIN_PATH="+dir, "GST_REGISTRY="+filepath.Join(testTmp, "registry-launch.bin"))
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("%s %v timed out\n%s", tool, args, out)
	}
	return string(out), err
}

// TestLaunch: libgstxclip.so holds both elements; gst-launch-1.0 publishes to a broker and to a
// json-lines file in one pipeline.
func TestLaunch(t *testing.T) {
	dir := tinyA(t)
	for _, el := range []string{"xclipfilter", ElementName} {
		out, err := gstTool(t, "gst-inspect-1.0", el)
		if err != nil {
			t.Fatalf("gst-inspect-1.0 %s: %v\n%s", el, err, out)
		}
		if el == ElementName {
			for _, p := range properties {
				if !strings.Contains(out, "  "+p.name) {
					t.Errorf("gst-inspect-1.0 does not show property %s", p.name)
				}
			}
		}
	}
	b := mqtttest.NewBroker(t)
	sub := mqtttest.Subscribe(t, b.Addr(), "fleet/#", true)
	lines := filepath.Join(t.TempDir(), "results.jsonl")
	out, err := gstTool(t, "gst-launch-1.0", "videotestsrc", "num-buffers=10", "!", "video/x-raw,width=64,height=48", "!",
		"xclipfilter", "model="+dir, "labels=a ball;a dog", "frame-interval=1", "blocking=true",
		"event-threshold=1", "event-exit-threshold=1", "!", // no label events: only results are counted
		"xclipmetapublish", "method=mqtt", "address="+b.Addr(), "topic=fleet/{source}", "source=door", "!",
		"xclipmetapublish", "file-path="+lines, "!", "fakesink")
	if err != nil {
		t.Fatalf("gst-launch-1.0: %v\n%s", err, out)
	}
	if !waitFor(30*time.Second, func() bool { return sub.Count() >= 4 }) {
		t.Fatalf("the subscriber got %d messages, want 4\n%s", sub.Count(), out)
	}
	for _, m := range sub.Messages() {
		if d := decode(t, m.Payload); m.Topic != "fleet/door" || d.Source != "door" || len(d.Scores) != 2 {
			t.Errorf("message on %s: %s", m.Topic, m.Payload)
		}
	}
	f, err := os.ReadFile(lines)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for sc := bufio.NewScanner(bytes.NewReader(f)); sc.Scan(); n++ {
		if d := decode(t, sc.Bytes()); d.Window != uint64(n+1) || d.Source != "xclipfilter0" { // the structure's own source: xclipfilter's name
			t.Errorf("line %d: %s", n+1, sc.Bytes())
		}
	}
	if n != 4 {
		t.Errorf("%d lines, want 4:\n%s", n, f)
	}
}
