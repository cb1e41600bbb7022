package preprocess

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "preprocessor_config.json")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// legacyXCLIP is the preprocessor_config.json of the published X-CLIP checkpoints.
const legacyXCLIP = `{
  "do_center_crop": true,
  "do_normalize": true,
  "do_resize": true,
  "feature_extractor_type": "VideoMAEFeatureExtractor",
  "image_mean": [0.485, 0.456, 0.406],
  "image_std": [0.229, 0.224, 0.225],
  "processor_class": "XCLIPProcessor",
  "resample": 2,
  "size": 224
}`

func TestLoadConfigLegacy(t *testing.T) {
	c, err := LoadConfig(writeConfig(t, legacyXCLIP))
	if err != nil {
		t.Fatal(err)
	}
	if want := Default(224); c != want {
		t.Errorf("legacy config = %+v, want Default(224) = %+v", c, want)
	}
	// A tiny checkpoint's legacy file crops to its own size.
	c, err = LoadConfig(writeConfig(t, strings.Replace(legacyXCLIP, `"size": 224`, `"size": 64`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if h, w := c.OutputSize(); h != 64 || w != 64 || c.ShortestEdge != 64 {
		t.Errorf("size 64: shortest edge %d, output %dx%d, want 64 and 64x64", c.ShortestEdge, h, w)
	}
}

func TestLoadConfigModern(t *testing.T) {
	c, err := LoadConfig(writeConfig(t, `{
  "crop_size": {"height": 224, "width": 200},
  "do_center_crop": true, "do_normalize": true, "do_rescale": true, "do_resize": true,
  "image_mean": [0.485, 0.456, 0.406], "image_std": [0.229, 0.224, 0.225],
  "image_processor_type": "VideoMAEImageProcessor", "resample": 2, "rescale_factor": 0.00392156862745098,
  "size": {"shortest_edge": 256}
}`))
	if err != nil {
		t.Fatal(err)
	}
	want := Default(256)
	want.CropH, want.CropW = 224, 200
	want.RescaleFactor = 0.00392156862745098
	if c != want {
		t.Errorf("modern config = %+v, want %+v", c, want)
	}
	if h, w := c.OutputSize(); h != 224 || w != 200 {
		t.Errorf("OutputSize = %dx%d, want 224x200", h, w)
	}

	// size as height/width is an exact resize; without a crop it is the output size.
	c, err = LoadConfig(writeConfig(t, `{"size": {"height": 8, "width": 6}, "do_center_crop": false}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.ShortestEdge != 0 || c.ResizeH != 8 || c.ResizeW != 6 {
		t.Errorf("exact size parsed as %+v", c)
	}
	if h, w := c.OutputSize(); h != 8 || w != 6 {
		t.Errorf("OutputSize = %dx%d, want 8x6", h, w)
	}
	// HF's defaults fill what the file leaves out: IMAGENET_STANDARD statistics, shortest edge 224.
	if c.Mean != standardMean || c.Std != standardStd || !c.DoRescale || c.RescaleFactor != 1.0/255 || !c.DoNormalize {
		t.Errorf("defaults not applied: %+v", c)
	}
	p, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	f := Frame{Pix: make([]byte, 16*12*3), Width: 12, Height: 16, Stride: 36}
	for i := range f.Pix {
		f.Pix[i] = 255
	}
	dst := make([]float32, 3*8*6)
	if err := p.Process(dst, f); err != nil {
		t.Fatal(err)
	}
	for i, v := range dst {
		if v != 1 { // (1 - 0.5) / 0.5
			t.Fatalf("exact resize of white: dst[%d] = %v, want 1", i, v)
		}
	}
}

func TestLoadConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name, body, key string
	}{
		{"malformed", `{"size": 224,`, "malformed JSON"},
		{"not an object", `[1, 2]`, "malformed JSON"},
		{"resample 3", `{"size": 224, "resample": 3}`, `"resample"`},
		{"zero std", `{"size": 224, "image_std": [0.229, 0, 0.225]}`, `"image_std"`},
		{"negative size", `{"size": -224}`, `"size"`},
		{"zero shortest edge", `{"size": {"shortest_edge": 0}}`, `"size.shortest_edge"`},
		{"negative crop", `{"size": 224, "crop_size": {"height": -1, "width": 224}}`, `"crop_size.height"`},
		{"string size", `{"size": "224"}`, `"size"`},
		{"fractional size", `{"size": 224.5}`, `"size"`},
		{"bad mean", `{"image_mean": [0.1, 0.2]}`, `"image_mean"`},
		{"bad bool", `{"do_resize": "yes"}`, `"do_resize"`},
		{"unknown size key", `{"size": {"longest_edge": 224}}`, `"size"`},
		{"no crop, aspect resize", `{"size": 224, "do_center_crop": false}`, `"do_center_crop"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeConfig(t, tc.body)
			_, err := LoadConfig(path)
			if err == nil {
				t.Fatalf("%s: no error", tc.body)
			}
			if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, tc.key) {
				t.Errorf("error %q should name the file %s and %s", msg, path, tc.key)
			}
		})
	}
	if _, err := LoadConfig(filepath.Join(t.TempDir(), "missing.json")); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("missing file: error %v should name it", err)
	}
}

func TestNewValidates(t *testing.T) {
	for name, mut := range map[string]func(*Config){
		"zero std":      func(c *Config) { c.Std[2] = 0 },
		"zero crop":     func(c *Config) { c.CropW = 0 },
		"negative size": func(c *Config) { c.ShortestEdge = -3 },
		"huge crop":     func(c *Config) { c.CropH = 1 << 20 },
		"zero rescale":  func(c *Config) { c.RescaleFactor = 0 },
	} {
		c := Default(224)
		mut(&c)
		if _, err := New(c); err == nil {
			t.Errorf("%s: New accepted %+v", name, c)
		}
	}
	if _, err := New(Default(224)); err != nil {
		t.Errorf("Default(224): %v", err)
	}
}
