package hub_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/xclipfilter/xclipfilter/cpu"
	"github.com/xclipfilter/xclipfilter/internal/npy"
	"github.com/xclipfilter/xclipfilter/model"
	"github.com/xclipfilter/xclipfilter/model/hub"
	"github.com/xclipfilter/xclipfilter/model/hub/hubtest"
	"github.com/xclipfilter/xclipfilter/model/preprocess"
)

// The X-CLIP integration case of transformers (tests/models/x_clip/test_modeling_x_clip.py,
// XCLIPModelIntegrationTest.test_inference): microsoft/xclip-base-patch32 on the 8 frames of
// eating_spaghetti_8_frames.npy against three labels, through the checkpoint's own processor.
const (
	spaghettiModel   = "microsoft/xclip-base-patch32"
	spaghettiDataset = "hf-internal-testing/spaghetti-video"
	spaghettiFile    = "eating_spaghetti_8_frames.npy"
)

var (
	spaghettiLabels = []string{"playing sports", "eating spaghetti", "go shopping"}
	spaghettiWant   = []float64{14.0181, 20.2771, 14.4776} // logits_per_video
)

// errSkip says why the cached case cannot run.
type errSkip struct{ msg string }

func (e errSkip) Error() string { return e.msg }

// cachedSpaghetti runs the integration case from the hub cache alone (c is made offline: a test never
// touches the network): the model snapshot and the dataset file through the hub client, the frames
// through the npy reader, then the classifier. An errSkip says what is not cached and how to get it.
func cachedSpaghetti(c *hub.Client, modelRepo, datasetRepo string) ([]float32, error) {
	c.Offline = true
	ctx := context.Background()
	dir, err := c.Snapshot(ctx, hub.Ref{Type: hub.Model, Repo: modelRepo, Revision: hub.DefaultRevision}, hub.XCLIPFiles)
	if errors.Is(err, hub.ErrNotCached) {
		return nil, errSkip{fmt.Sprintf("%s is not in the hub cache %s: fetch it with `xclip download %s`", modelRepo, c.CacheDir, modelRepo)}
	}
	if err != nil {
		return nil, err
	}
	video, err := c.Download(ctx, hub.Dataset, datasetRepo, hub.DefaultRevision, spaghettiFile)
	if errors.Is(err, hub.ErrNotCached) {
		return nil, errSkip{fmt.Sprintf("%s of the dataset %s is not in the hub cache: fetch it with `xclip download --dataset %s --file %s`",
			spaghettiFile, datasetRepo, datasetRepo, spaghettiFile)}
	}
	if err != nil {
		return nil, err
	}
	arr, err := npy.ReadFile(video)
	if err != nil {
		return nil, err
	}
	frames, err := npyFrames(arr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", video, err)
	}
	return classify(dir, frames)
}

// npyFrames views a [T, H, W, 3] uint8 array as T RGB frames.
func npyFrames(a *npy.Array) ([]preprocess.Frame, error) {
	if len(a.Shape) != 4 || a.Shape[3] != 3 {
		return nil, fmt.Errorf("video array has shape %v, want [frames, height, width, 3]", a.Shape)
	}
	t, h, w := a.Shape[0], a.Shape[1], a.Shape[2]
	frames := make([]preprocess.Frame, t)
	for i := range frames {
		frames[i] = preprocess.Frame{Pix: a.Data[i*h*w*3 : (i+1)*h*w*3], Width: w, Height: h, Stride: 3 * w}
	}
	return frames, nil
}

// classify is logits_per_video of one window (all frames) against spaghettiLabels, as the peer's
// processor(text=labels, videos=video, padding=True) and model(**inputs) compute it.
func classify(dir string, frames []preprocess.Frame) ([]float32, error) {
	c, err := model.NewClassifier(dir, model.Options{Backend: cpu.New(cpu.Options{})})
	if err != nil {
		return nil, err
	}
	pixels, err := c.Pixels(frames)
	if err != nil {
		return nil, err
	}
	labels, err := c.EncodeLabels(spaghettiLabels)
	if err != nil {
		return nil, err
	}
	return c.Classify(pixels, labels)
}

// TestXCLIPBasePatch32Spaghetti is item 6 of issue 9: real weights, when the cache has them.
func TestXCLIPBasePatch32Spaghetti(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: a real-size model")
	}
	c, err := hub.FromEnv()
	if err != nil {
		t.Skipf("no hub cache: %v", err)
	}
	got, err := cachedSpaghetti(c, spaghettiModel, spaghettiDataset)
	var skip errSkip
	if errors.As(err, &skip) {
		t.Skip(skip.msg)
	}
	if err != nil {
		t.Fatal(err)
	}
	for i := range spaghettiWant {
		if math.Abs(float64(got[i])-spaghettiWant[i]) > 1e-2 {
			t.Fatalf("logits_per_video %v, transformers' integration test expects %v (within 1e-2)", got, spaghettiWant)
		}
	}
	t.Logf("logits_per_video %v (transformers: %v)", got, spaghettiWant)
}

// TestSpaghettiPathOnFakeHub runs the same cache-only path on a fake hub's tiny checkpoint and a
// generated .npy clip: after one online fetch, cachedSpaghetti (offline) must give the logits of the
// checkpoint folder on the same frames.
func TestSpaghettiPathOnFakeHub(t *testing.T) {
	s, folder := serveTiny(t)
	const frames, h, w = 3, 45, 80 // tiny-a takes 3 frames
	arr := &npy.Array{Shape: []int{frames, h, w, 3}, Data: make([]byte, frames*h*w*3)}
	for i := range arr.Data {
		arr.Data[i] = byte(i*13 + i/(w*3)*5)
	}
	var buf bytes.Buffer
	if err := npy.Write(&buf, arr); err != nil {
		t.Fatal(err)
	}
	s.Add("dataset", "org/clips", "main", map[string]hubtest.File{spaghettiFile: {Data: buf.Bytes(), LFS: true}})
	c := newClient(t, s)

	// Not cached yet: the test would skip, saying how to fetch each part.
	if _, err := cachedSpaghetti(c, "org/xclip-tiny", "org/clips"); !errors.As(err, new(errSkip)) {
		t.Fatalf("uncached: err = %v, want a skip", err)
	}
	online := *c
	online.Offline = false
	if _, err := online.Snapshot(context.Background(), hub.Ref{Type: hub.Model, Repo: "org/xclip-tiny", Revision: "main"}, hub.XCLIPFiles); err != nil {
		t.Fatal(err)
	}
	if _, err := cachedSpaghetti(c, "org/xclip-tiny", "org/clips"); !errors.As(err, new(errSkip)) || !bytes.Contains([]byte(err.Error()), []byte("--dataset org/clips")) {
		t.Fatalf("dataset uncached: err = %v, want a skip naming the dataset", err)
	}
	if _, err := online.Download(context.Background(), hub.Dataset, "org/clips", "main", spaghettiFile); err != nil {
		t.Fatal(err)
	}
	s.Hub.Close() // from here on the cache alone answers
	got, err := cachedSpaghetti(c, "org/xclip-tiny", "org/clips")
	if err != nil {
		t.Fatal(err)
	}
	direct, err := npyFrames(arr)
	if err != nil {
		t.Fatal(err)
	}
	want, err := classify(folder, direct)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("through the cache %v, from the folder %v", got, want)
	}
}
