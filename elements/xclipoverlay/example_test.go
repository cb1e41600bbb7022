package xclipoverlay

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var pluginBuild struct {
	once      sync.Once
	dir, root string
	err       error
}

// pluginDir builds libgstxclip.so once (go build -buildmode=c-shared ./plugin) and returns its folder
// and the module's root.
func pluginDir(t testing.TB) (dir, root string) {
	t.Helper()
	pluginBuild.once.Do(func() {
		out, err := exec.Command("go", "env", "GOMOD").Output()
		if err != nil {
			pluginBuild.err = fmt.Errorf("go env GOMOD: %v", err)
			return
		}
		root := filepath.Dir(strings.TrimSpace(string(out)))
		dir := filepath.Join(testTmp, "plugin")
		start := time.Now()
		cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", filepath.Join(dir, "libgstxclip.so"), "./plugin")
		cmd.Dir = root
		if b, err := cmd.CombinedOutput(); err != nil {
			pluginBuild.err = fmt.Errorf("building the plugin: %v\n%s", err, b)
			return
		}
		os.Remove(filepath.Join(dir, "libgstxclip.h"))
		t.Logf("built libgstxclip.so in %v", time.Since(start).Round(time.Second))
		pluginBuild.dir, pluginBuild.root = dir, root
	})
	if pluginBuild.err != nil {
		t.Fatal(pluginBuild.err)
	}
	return pluginBuild.dir, pluginBuild.root
}

// command runs name with args under the built plugin (GST_PLUGIN_PATH) and a registry of its own.
func command(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	dir, root := pluginDir(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), append(env, "GST_PLUGIN_PATH="+dir,
		"GST_REGISTRY="+filepath.Join(testTmp, "registry-plugin.bin"))...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// TestInspect: gst-inspect-1.0 finds xclipoverlay in libgstxclip.so with every property documented.
func TestInspect(t *testing.T) {
	out := command(t, nil, "gst-inspect-1.0", ElementName)
	for _, p := range properties {
		if !strings.Contains(out, p.name+" ") || !strings.Contains(out, p.blurb[:min(30, len(p.blurb))]) {
			t.Errorf("gst-inspect-1.0 %s does not show property %s:\n%s", ElementName, p.name, out)
		}
	}
	for _, want := range []string{"top-left", "bottom-right", "GRAY8", "NV12", "xclip-event"} {
		if !strings.Contains(out, want) {
			t.Errorf("gst-inspect-1.0 %s does not mention %s", ElementName, want)
		}
	}
}

// TestExampleWritesMP4 runs examples/pipelines/overlay.sh with OUT on the repository's clip (a ball on
// black, 320×240, 8 s) and the tiny checkpoint, then decodes the MP4 it wrote next to the clip itself,
// both to gray frames at 2 frames a second: from the second second on, every frame has bright text in the
// box's corner (the ball stays out of it: the test counts only pixels that are dark in the clip), and
// outside the box the two differ only by the H.264 coding error.
func TestExampleWritesMP4(t *testing.T) {
	_, root := pluginDir(t)
	dir := t.TempDir()
	mp4 := filepath.Join(dir, "overlay.mp4")
	command(t, []string{"MODEL=" + tinyA(t), "OUT=" + mp4, "FRAME_INTERVAL=2"}, filepath.Join(root, "examples/pipelines/overlay.sh"))
	decode := func(src, out string) [][]byte {
		play(t, fmt.Sprintf("filesrc location=%s ! decodebin ! videoconvert ! videorate ! "+
			"video/x-raw,format=GRAY8,width=320,height=240,framerate=2/1 ! filesink location=%s", src, out), nil)
		return frames(t, out, 320*240)
	}
	drawn := decode(mp4, filepath.Join(dir, "drawn.gray"))
	clip := decode(filepath.Join(root, "testdata/clip.mp4"), filepath.Join(dir, "clip.gray"))
	if len(drawn) < 14 || len(drawn) != len(clip) {
		t.Fatalf("%d frames from the overlay's MP4, %d from the clip", len(drawn), len(clip))
	}
	// The box: three result lines and at most a few event lines, from (4, 4) at font scale 1.
	inBox := func(x, y int) bool { return x < 4+3+32+4+7*maxRunes+3 && y < 4+6+6*15 }
	for i := 2; i < len(drawn); i++ {
		text, outside, diff := 0, 0, 0
		for y := range 240 {
			for x := range 320 {
				p := y*320 + x
				d := int(drawn[i][p]) - int(clip[i][p])
				if inBox(x, y) {
					if clip[i][p] < 40 && drawn[i][p] > 200 {
						text++
					}
					continue
				}
				outside++
				diff += max(d, -d)
			}
		}
		if text < 300 {
			t.Errorf("frame %d (%.1f s): %d bright text pixels in the box", i, float64(i)/2, text)
		}
		if mean := float64(diff) / float64(outside); mean > 2 {
			t.Errorf("frame %d: outside the box the overlay's frame differs from the clip by %.2f on average", i, mean)
		}
	}
}
