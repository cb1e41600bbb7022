package model

import (
	"path/filepath"

	"github.com/xclipfilter/xclipfilter/model/torchbin"
)

// openTorchWeights opens a PyTorch checkpoint, read without executing it (see package torchbin): one
// pytorch_model.bin, or the shards a pytorch_model.bin.index.json names (the same weight_map layout as
// model.safetensors.index.json). openWeights tries it only when no safetensors weights are present.
func openTorchWeights(dir, name string) (string, []TensorFile, error) {
	path := filepath.Join(dir, name)
	if name == "pytorch_model.bin" {
		f, err := torchbin.Open(path)
		if err != nil {
			return "", nil, err
		}
		return path, []TensorFile{f}, nil
	}
	files, err := openShards(dir, path, torchbin.Open)
	return path, files, err
}
