package xclipfilter

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-gst/go-gst/gst"

	"github.com/xclipfilter/xclipfilter/elements/xclipfilter/internal/gsttest"
	"github.com/xclipfilter/xclipfilter/internal/golden"
)

// testTmp holds what the tests build once: the plugin, the xclip command, registries.
var testTmp string

func TestMain(m *testing.M) {
	tmp, err := os.MkdirTemp("", "xclipfilter-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testTmp = tmp
	// This process registers the element statically: it must not also find libgstxclip.so.
	os.Unsetenv("GST_PLUGIN_PATH")
	os.Setenv("GST_REGISTRY", filepath.Join(tmp, "registry-test.bin"))
	gst.Init(nil)
	if err := RegisterStatic(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(tmp)
	os.Exit(code)
}

// moduleRoot is the folder of go.mod.
func moduleRoot(t testing.TB) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}

type built struct {
	once sync.Once
	path string
	err  error
}

var pluginBuild, cliBuild built

func (b *built) get(t testing.TB, build func() (string, error)) string {
	t.Helper()
	b.once.Do(func() { b.path, b.err = build() })
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

// pluginDir builds libgstxclip.so once (go build -buildmode=c-shared ./plugin) and returns its folder.
func pluginDir(t testing.TB) string {
	return pluginBuild.get(t, func() (string, error) {
		dir := filepath.Join(testTmp, "plugin")
		start := time.Now()
		cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", filepath.Join(dir, "libgstxclip.so"), "./plugin")
		cmd.Dir = moduleRoot(t)
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("building the plugin: %v\n%s", err, out)
		}
		os.Remove(filepath.Join(dir, "libgstxclip.h"))
		t.Logf("built libgstxclip.so in %v", time.Since(start).Round(time.Second))
		return dir, nil
	})
}

// xclipCommand builds the xclip command once.
func xclipCommand(t testing.TB) string {
	return cliBuild.get(t, func() (string, error) {
		p := filepath.Join(testTmp, "xclip")
		cmd := exec.Command("go", "build", "-o", p, "./cmd/xclip")
		cmd.Dir = moduleRoot(t)
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("building xclip: %v\n%s", err, out)
		}
		return p, nil
	})
}

// launchEnv is the environment of gst-launch-1.0 and gst-inspect-1.0: the built plugin, a registry of
// its own, and extra variables.
func launchEnv(t testing.TB, extra ...string) []string {
	env := []string{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GST_PLUGIN_PATH=") && !strings.HasPrefix(kv, "GST_REGISTRY=") {
			env = append(env, kv)
		}
	}
	env = append(env, "GST_PLUGIN_PATH="+pluginDir(t), "GST_REGISTRY="+filepath.Join(testTmp, "registry-launch.bin"))
	return append(env, extra...)
}

func needTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not installed (gstreamer1.0-tools)", name)
	}
	return p
}

func tinyA(t testing.TB) string { return golden.Fixture(t, "xclip-tiny-a") }
func tinyB(t testing.TB) string { return golden.Fixture(t, "xclip-tiny-b") }

// picture draws frame i of a deterministic test clip: smooth gradients (so that chroma subsampling
// changes little) and a soft disc that moves.
func picture(i, w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	cx := float64(w) * (0.25 + 0.1*float64(i%6))
	cy := float64(h) * (0.4 + 0.05*float64(i%4))
	r := float64(min(w, h)) / 4
	for y := range h {
		for x := range w {
			fx, fy := float64(x)/float64(w), float64(y)/float64(h)
			cr := 40 + 150*fx + 10*float64(i%3)
			cg := 60 + 120*fy
			cb := 90 + 80*math.Sin(3*fx+2*fy+float64(i)/3)
			d := math.Hypot(float64(x)-cx, float64(y)-cy) / r
			if d < 1.5 {
				a := 1.0
				if d > 1 {
					a = 1.5 - d
					a *= 2
				}
				cr = cr*(1-a) + 230*a
				cg = cg*(1-a) + 200*a
				cb = cb * (1 - a)
			}
			img.SetNRGBA(x, y, color.NRGBA{byte(cr), byte(cg), byte(cb), 255})
		}
	}
	return img
}

// writeClip writes n frames as frame000.png... and returns the folder and the multifilesrc location.
func writeClip(t testing.TB, n, w, h int) (dir, location string, files []string) {
	t.Helper()
	dir = t.TempDir()
	for i := range n {
		p := filepath.Join(dir, fmt.Sprintf("frame%03d.png", i))
		var b bytes.Buffer
		if err := png.Encode(&b, picture(i, w, h)); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	return dir, filepath.Join(dir, "frame%03d.png"), files
}

// clipSource is a pipeline fragment decoding the clip at 30 fps, ending in RGB.
func clipSource(location string, n int) string {
	return fmt.Sprintf(`multifilesrc location="%s" index=0 stop-index=%d caps="image/png,framerate=30/1" ! pngdec ! videoconvert ! video/x-raw,format=RGB`, location, n-1)
}

// run is what a pipeline produced.
type run struct {
	results   []Result     // bus messages, in order
	downloads []Download   // xclip-download messages, in order
	labelEvs  []LabelEvent // xclip-event messages, in order
	stats     []Stats      // xclip-stats messages, in order
	labelSets []uint64     // the count of each xclip-labels message, in order
	errors    []string
	warnings  []string
	records   []gsttest.Record // at the sink pad of the element named "sink"
	eos       bool
	elapsed   time.Duration
}

type runOpts struct {
	setup   func(t testing.TB, p *gst.Pipeline)         // before PLAYING
	during  func(t testing.TB, p *gst.Pipeline, r *run) // after each message
	timeout time.Duration
}

// runPipeline plays desc to EOS (or error, or timeout) and collects messages and sink records.
func runPipeline(t testing.TB, desc string, o runOpts) *run {
	t.Helper()
	p, err := gst.NewPipelineFromString(desc)
	if err != nil {
		t.Fatalf("pipeline %q: %v", desc, err)
	}
	var col *gsttest.Collector
	if sink, err := p.GetElementByName("sink"); err == nil && sink != nil {
		if col, err = gsttest.Collect(sink, "sink"); err != nil {
			t.Fatal(err)
		}
		defer col.Free()
	}
	if o.setup != nil {
		o.setup(t, p)
	}
	if o.timeout == 0 {
		o.timeout = 2 * time.Minute
	}
	r := &run{}
	start := time.Now()
	bus := p.GetPipelineBus()
	stateErr := p.SetState(gst.StatePlaying)
	deadline := time.Now().Add(o.timeout)
loop:
	for time.Now().Before(deadline) {
		msg := bus.TimedPopFiltered(gst.ClockTime(100*time.Millisecond),
			gst.MessageError|gst.MessageWarning|gst.MessageElement|gst.MessageEOS)
		if msg == nil {
			if stateErr != nil && len(r.errors) == 0 {
				continue
			}
			continue
		}
		switch msg.Type() {
		case gst.MessageEOS:
			r.eos = true
			break loop
		case gst.MessageError:
			r.errors = append(r.errors, msg.ParseError().Error())
			break loop
		case gst.MessageWarning:
			r.warnings = append(r.warnings, msg.ParseWarning().Error())
		case gst.MessageElement:
			if res, ok := ParseMessage(msg); ok {
				r.results = append(r.results, res)
			} else if d, ok := ParseDownloadMessage(msg); ok {
				r.downloads = append(r.downloads, d)
			} else if e, ok := ParseLabelEventMessage(msg); ok {
				r.labelEvs = append(r.labelEvs, e)
			} else if s, ok := ParseStatsMessage(msg); ok {
				r.stats = append(r.stats, s)
			} else if s := msg.GetStructure(); s != nil && s.Name() == LabelsReadyName {
				v, _ := s.GetValue("count")
				n, _ := v.(uint64)
				r.labelSets = append(r.labelSets, n)
			}
		}
		if o.during != nil {
			o.during(t, p, r)
		}
	}
	r.elapsed = time.Since(start)
	if err := p.SetState(gst.StateNull); err != nil {
		t.Errorf("setting the pipeline to NULL: %v", err)
	}
	if col != nil {
		r.records = col.Records()
	}
	if !r.eos && len(r.errors) == 0 {
		t.Fatalf("pipeline did not finish within %v (state change: %v): %s", o.timeout, stateErr, desc)
	}
	return r
}

// mustRun runs desc and fails on an error message.
func mustRun(t testing.TB, desc string, o runOpts) *run {
	t.Helper()
	r := runPipeline(t, desc, o)
	if len(r.errors) > 0 {
		t.Fatalf("pipeline failed: %v\n%s", r.errors, desc)
	}
	return r
}

// events returns the results pushed downstream as events, in order.
func (r *run) events(t testing.TB) []Result {
	t.Helper()
	var out []Result
	for _, rec := range r.records {
		if rec.Kind == gsttest.Event {
			res, err := ParseString(rec.Event)
			if err != nil {
				t.Fatalf("event %q: %v", rec.Event, err)
			}
			out = append(out, res)
		}
	}
	return out
}

func (r *run) buffers() []gsttest.Record {
	var out []gsttest.Record
	for _, rec := range r.records {
		if rec.Kind == gsttest.Buffer {
			out = append(out, rec)
		}
	}
	return out
}

func maxAbsDiff(a, b []float64) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	var m float64
	for i := range a {
		m = math.Max(m, math.Abs(a[i]-b[i]))
	}
	return m
}
