package formula

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/xclipfilter/xclipfilter/model"
)

// ManifestName is the formula checkpoint's manifest, beside its config.json.
const ManifestName = "weights_manifest.json"

// WithWeights returns opts with the formula weights of dir's weights_manifest.json as opts.Weights,
// when dir has one and no checkpoint file (model.safetensors and the rest take precedence, as the
// golden folders of the tiny checkpoints have both); otherwise opts as they are.
func WithWeights(dir string, opts model.Options) (model.Options, error) {
	for _, name := range []string{"model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return opts, nil
		}
	}
	path := filepath.Join(dir, ManifestName)
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		return opts, nil
	}
	f, err := Open(path)
	if err != nil {
		return opts, err
	}
	opts.Weights = f
	return opts, nil
}
