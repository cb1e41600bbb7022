package preprocess

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/xclipfilter/xclipfilter/internal/safefile"
)

// Config is the part of a Hugging Face preprocessor_config.json (VideoMAEImageProcessor, which X-CLIP uses)
// that decides the pixel values.
type Config struct {
	DoResize     bool
	ShortestEdge int // resize so the shorter side is this long, keeping the aspect ratio
	ResizeH      int // exact size when ShortestEdge == 0
	ResizeW      int

	DoCenterCrop bool
	CropH, CropW int

	DoRescale     bool
	RescaleFactor float64

	DoNormalize bool
	Mean, Std   [3]float64
}

// ImageNet statistics: what every published X-CLIP checkpoint writes in its preprocessor_config.json.
var (
	imagenetMean = [3]float64{0.485, 0.456, 0.406}
	imagenetStd  = [3]float64{0.229, 0.224, 0.225}
)

// HF's VideoMAEImageProcessor falls back to IMAGENET_STANDARD (0.5, 0.5, 0.5) when the file names no
// statistics; LoadConfig keeps that fallback so that it reads a file exactly as transformers would.
var (
	standardMean = [3]float64{0.5, 0.5, 0.5}
	standardStd  = [3]float64{0.5, 0.5, 0.5}
)

// hfDefaultSize is VideoMAEImageProcessor's default size ({"shortest_edge": 224}) and crop (224x224).
const hfDefaultSize = 224

// maxSide bounds every configured size, so that a corrupt file cannot make New or Process allocate
// gigabytes: 16384 is far beyond any published vision tower's input.
const maxSide = 1 << 14

// resampleBilinear is PIL's Image.BILINEAR (Resampling.BILINEAR == 2), the only filter X-CLIP uses.
const resampleBilinear = 2

// Default returns the preprocessing of the published X-CLIP checkpoints for a vision tower of imageSize
// pixels: shortest edge to imageSize with PIL bilinear, center crop imageSize x imageSize, rescale by 1/255,
// normalize with the ImageNet mean and std that their preprocessor_config.json files carry (not the 0.5
// that VideoMAEImageProcessor would assume for a file that names none).
func Default(imageSize int) Config {
	return Config{
		DoResize:      true,
		ShortestEdge:  imageSize,
		DoCenterCrop:  true,
		CropH:         imageSize,
		CropW:         imageSize,
		DoRescale:     true,
		RescaleFactor: 1.0 / 255,
		DoNormalize:   true,
		Mean:          imagenetMean,
		Std:           imagenetStd,
	}
}

// OutputSize is the (height, width) of Process's output: the crop when center cropping, otherwise the exact
// resize size. It is (0, 0) for a config whose output would depend on the frame; New rejects those.
func (c Config) OutputSize() (h, w int) {
	switch {
	case c.DoCenterCrop:
		return c.CropH, c.CropW
	case c.DoResize && c.ShortestEdge == 0:
		return c.ResizeH, c.ResizeW
	}
	return 0, 0
}

// LoadConfig reads a preprocessor_config.json in either published form: the legacy one of the X-CLIP
// checkpoints ({"size": 224}, no crop_size) and the modern one ({"size": {"shortest_edge": 224},
// "crop_size": {"height": 224, "width": 224}}, or size as {"height", "width"} for an exact resize).
//
// Keys the file leaves out take VideoMAEImageProcessor's defaults, with one deliberate exception: a missing
// crop_size is the resize size (square of the shortest edge) rather than HF's fixed 224x224, because the
// legacy files of checkpoints whose image_size is not 224 mean "crop to size", and a 224 crop would not fit
// their vision tower. For size 224, the only size published, both readings agree.
func LoadConfig(path string) (Config, error) {
	data, err := safefile.ReadFile(path, "preprocessor_config.json", safefile.ConfigLimit)
	if err != nil {
		return Config{}, fmt.Errorf("preprocess: reading config: %w", err)
	}
	c, err := parseConfig(data)
	if err != nil {
		return Config{}, fmt.Errorf("preprocess: %s: %w", path, err)
	}
	return c, nil
}

// parseConfig decodes and validates the JSON; its errors name the key at fault.
func parseConfig(data []byte) (Config, error) {
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return Config{}, fmt.Errorf("malformed JSON: %w", err)
	}
	if raw == nil {
		return Config{}, errors.New("malformed JSON: want an object, got null")
	}
	c := Config{
		DoResize:      true,
		ShortestEdge:  hfDefaultSize,
		DoCenterCrop:  true,
		DoRescale:     true,
		RescaleFactor: 1.0 / 255,
		DoNormalize:   true,
		Mean:          standardMean,
		Std:           standardStd,
	}
	var err error
	get := func(key string) (json.RawMessage, bool) {
		v, ok := raw[key]
		if !ok || string(bytes.TrimSpace(v)) == "null" {
			return nil, false
		}
		return v, true
	}
	for _, b := range []struct {
		key string
		dst *bool
	}{{"do_resize", &c.DoResize}, {"do_center_crop", &c.DoCenterCrop}, {"do_rescale", &c.DoRescale}, {"do_normalize", &c.DoNormalize}} {
		if v, ok := get(b.key); ok {
			if err := json.Unmarshal(v, b.dst); err != nil {
				return Config{}, fmt.Errorf("key %q: want true or false, got %s", b.key, v)
			}
		}
	}
	if v, ok := get("size"); ok {
		var h, w int
		if h, w, c.ShortestEdge, err = parseSize("size", v, true); err != nil {
			return Config{}, err
		}
		c.ResizeH, c.ResizeW = h, w
	}
	if v, ok := get("resample"); ok {
		n, err := parseInt("resample", v)
		if err != nil {
			return Config{}, err
		}
		if n != resampleBilinear {
			return Config{}, fmt.Errorf("key \"resample\": value %d (%s) is not supported; only 2 (bilinear) is", n, resampleName(n))
		}
	}
	if v, ok := get("crop_size"); ok {
		h, w, _, err := parseSize("crop_size", v, false)
		if err != nil {
			return Config{}, err
		}
		c.CropH, c.CropW = h, w
	} else if c.ShortestEdge != 0 {
		c.CropH, c.CropW = c.ShortestEdge, c.ShortestEdge
	} else {
		c.CropH, c.CropW = c.ResizeH, c.ResizeW
	}
	if v, ok := get("rescale_factor"); ok {
		if c.RescaleFactor, err = parseFloat("rescale_factor", v); err != nil {
			return Config{}, err
		}
	}
	if v, ok := get("image_mean"); ok {
		if c.Mean, err = parseTriple("image_mean", v); err != nil {
			return Config{}, err
		}
	}
	if v, ok := get("image_std"); ok {
		if c.Std, err = parseTriple("image_std", v); err != nil {
			return Config{}, err
		}
	}
	if err := c.validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// parseSize reads an int (a shortest edge for "size", a square for "crop_size", as the legacy files and
// HF's get_size_dict read them) or a dict: {"shortest_edge"} (size only) or {"height", "width"}.
func parseSize(key string, v json.RawMessage, allowShortest bool) (h, w, shortest int, err error) {
	if n, err := parseInt(key, v); err == nil {
		if n <= 0 {
			return 0, 0, 0, fmt.Errorf("key %q: must be positive, got %d", key, n)
		}
		if allowShortest {
			return 0, 0, n, nil
		}
		return n, n, 0, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(v, &m); err != nil || m == nil {
		return 0, 0, 0, fmt.Errorf("key %q: want an integer or an object, got %s", key, v)
	}
	sub := func(name string) (int, bool, error) {
		x, ok := m[name]
		if !ok || string(bytes.TrimSpace(x)) == "null" {
			return 0, false, nil
		}
		n, err := parseInt(key+"."+name, x)
		if err == nil && n <= 0 {
			err = fmt.Errorf("key %q: must be positive, got %d", key+"."+name, n)
		}
		return n, true, err
	}
	se, hasSE, err := sub("shortest_edge")
	if err != nil {
		return 0, 0, 0, err
	}
	hh, hasH, err := sub("height")
	if err != nil {
		return 0, 0, 0, err
	}
	ww, hasW, err := sub("width")
	if err != nil {
		return 0, 0, 0, err
	}
	for name := range m {
		switch name {
		case "shortest_edge", "height", "width":
		default:
			return 0, 0, 0, fmt.Errorf("key %q: sub-key %q is not supported (want shortest_edge, or height and width)", key, name)
		}
	}
	switch {
	case hasSE && allowShortest && !hasH && !hasW:
		return 0, 0, se, nil
	case hasH && hasW && !hasSE:
		return hh, ww, 0, nil
	case allowShortest:
		return 0, 0, 0, fmt.Errorf("key %q: want {\"shortest_edge\": n} or {\"height\": h, \"width\": w}, got %s", key, v)
	}
	return 0, 0, 0, fmt.Errorf("key %q: want {\"height\": h, \"width\": w}, got %s", key, v)
}

func parseInt(key string, v json.RawMessage) (int, error) {
	var n json.Number
	// json.Number also accepts a quoted number; a string is not a number in these files.
	if err := json.Unmarshal(v, &n); err != nil || bytes.HasPrefix(bytes.TrimSpace(v), []byte(`"`)) {
		return 0, fmt.Errorf("key %q: want an integer, got %s", key, v)
	}
	i, err := n.Int64()
	if err != nil || i < math.MinInt32 || i > math.MaxInt32 {
		return 0, fmt.Errorf("key %q: want an integer, got %s", key, v)
	}
	return int(i), nil
}

func parseFloat(key string, v json.RawMessage) (float64, error) {
	var n json.Number
	// json.Number also accepts a quoted number; a string is not a number in these files.
	if err := json.Unmarshal(v, &n); err != nil || bytes.HasPrefix(bytes.TrimSpace(v), []byte(`"`)) {
		return 0, fmt.Errorf("key %q: want a number, got %s", key, v)
	}
	f, err := n.Float64()
	if err != nil {
		return 0, fmt.Errorf("key %q: want a number, got %s", key, v)
	}
	return f, nil
}

// parseTriple reads per-channel statistics: a list of 3 numbers, or one number (or a 1-list) for all
// channels, as HF's normalize broadcasts it.
func parseTriple(key string, v json.RawMessage) ([3]float64, error) {
	if f, err := parseFloat(key, v); err == nil {
		return [3]float64{f, f, f}, nil
	}
	var list []json.RawMessage
	if err := json.Unmarshal(v, &list); err != nil || (len(list) != 3 && len(list) != 1) {
		return [3]float64{}, fmt.Errorf("key %q: want a list of 3 numbers, got %s", key, v)
	}
	var out [3]float64
	for i := range out {
		f, err := parseFloat(fmt.Sprintf("%s[%d]", key, i), list[min(i, len(list)-1)])
		if err != nil {
			return [3]float64{}, err
		}
		out[i] = f
	}
	return out, nil
}

func resampleName(n int) string {
	switch n {
	case 0:
		return "nearest"
	case 1:
		return "lanczos"
	case 2:
		return "bilinear"
	case 3:
		return "bicubic"
	case 4:
		return "box"
	case 5:
		return "hamming"
	}
	return "unknown filter"
}

// validate checks what New needs; its messages use the JSON key names so that LoadConfig's errors point
// at the line to fix.
func (c Config) validate() error {
	side := func(key string, n int) error {
		if n <= 0 || n > maxSide {
			return fmt.Errorf("key %q: must be between 1 and %d, got %d", key, maxSide, n)
		}
		return nil
	}
	if c.DoResize {
		if c.ShortestEdge != 0 {
			if err := side("size", c.ShortestEdge); err != nil {
				return err
			}
		} else {
			if err := side("size.height", c.ResizeH); err != nil {
				return err
			}
			if err := side("size.width", c.ResizeW); err != nil {
				return err
			}
		}
	}
	if c.DoCenterCrop {
		if err := side("crop_size.height", c.CropH); err != nil {
			return err
		}
		if err := side("crop_size.width", c.CropW); err != nil {
			return err
		}
	} else if !c.DoResize || c.ShortestEdge != 0 {
		return errors.New("key \"do_center_crop\": false with a resize that keeps the aspect ratio (or no resize) " +
			"gives a frame-dependent output size; a model input needs a fixed one")
	}
	if c.DoRescale && (math.IsNaN(c.RescaleFactor) || math.IsInf(c.RescaleFactor, 0) || c.RescaleFactor == 0) {
		return fmt.Errorf("key \"rescale_factor\": must be a finite non-zero number, got %v", c.RescaleFactor)
	}
	if c.DoNormalize {
		for i := range 3 {
			if m := c.Mean[i]; math.IsNaN(m) || math.IsInf(m, 0) {
				return fmt.Errorf("key \"image_mean\": element %d is %v, want a finite number", i, m)
			}
			if s := c.Std[i]; s == 0 || math.IsNaN(s) || math.IsInf(s, 0) {
				return fmt.Errorf("key \"image_std\": element %d is %v, want a finite non-zero number", i, s)
			}
		}
	}
	return nil
}
