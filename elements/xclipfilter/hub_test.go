package xclipfilter

import (
	"fmt"
	"strings"
	"testing"

	"github.com/xclipfilter/xclipfilter/model/hub/hubtest"
)

// TestModelByHubID: model=org/name fetches the checkpoint from a (fake) hub at start, posting
// xclip-download progress, and classifies as the folder it was published from; an unknown id refuses
// to start with an error naming it.
func TestModelByHubID(t *testing.T) {
	const labels = "a dog;a red ball;people dancing"
	folder := tinyA(t)
	files, err := hubtest.Dir(folder)
	if err != nil {
		t.Fatal(err)
	}
	delete(files, "golden.safetensors")
	s := hubtest.New(t)
	s.Add("model", "org/xclip-tiny", "main", files)
	t.Setenv("HF_ENDPOINT", s.Endpoint())
	t.Setenv("HF_HUB_CACHE", t.TempDir())
	t.Setenv("HF_TOKEN", "")
	t.Setenv("HF_HUB_OFFLINE", "")

	n := numFrames(t, folder)
	_, loc, _ := writeClip(t, n+2, 96, 72)
	pipeline := func(m string) string {
		return clipSource(loc, n+2) + fmt.Sprintf(` ! xclipfilter model=%s labels="%s" frame-interval=1 blocking=true ! fakesink name=sink`, m, labels)
	}
	byID := mustRun(t, pipeline("org/xclip-tiny"), runOpts{})
	byFolder := mustRun(t, pipeline(folder), runOpts{})
	if len(byID.results) == 0 || len(byID.results) != len(byFolder.results) {
		t.Fatalf("%d results by hub id, %d by folder", len(byID.results), len(byFolder.results))
	}
	if d := maxAbsDiff(byID.results[0].Logits, byFolder.results[0].Logits); d != 0 {
		t.Errorf("logits by hub id %v, by folder %v", byID.results[0].Logits, byFolder.results[0].Logits)
	}
	weights := int64(len(files["model.safetensors"].Data))
	done := false
	for _, d := range byID.downloads {
		if d.File == "model.safetensors" && d.Bytes == uint64(weights) && d.Total == uint64(weights) {
			done = true
		}
	}
	if !done {
		t.Errorf("no xclip-download message for the whole model.safetensors (%d bytes): %+v", weights, byID.downloads)
	}
	if len(byFolder.downloads) != 0 {
		t.Errorf("a folder posted downloads: %+v", byFolder.downloads)
	}

	r := runPipeline(t, pipeline("org/missing-model"), runOpts{})
	if len(r.errors) == 0 || !strings.Contains(r.errors[0], "org/missing-model") || !strings.Contains(r.errors[0], "not found") {
		t.Errorf("unknown id: errors %q", r.errors)
	}
}
