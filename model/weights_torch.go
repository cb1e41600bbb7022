package model

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/xclipfilter/xclipfilter/model/torchbin"
)

// openTorchWeights opens a PyTorch checkpoint, read without executing it (see package torchbin): one
// pytorch_model.bin, or the shards a pytorch_model.bin.index.json names (the same weight_map layout as
// model.safetensors.index.json). openWeights tries it only when no safetensors weights are present.
func openTorchWeights(dir, name string) (string, []tensorFile, error) {
	path := filepath.Join(dir, name)
	if name == "pytorch_model.bin" {
		f, err := torchbin.Open(path)
		if err != nil {
			return "", nil, err
		}
		return path, []tensorFile{f}, nil
	}
	files, err := openTorchShards(dir, path)
	return path, files, err
}

func openTorchShards(dir, index string) ([]tensorFile, error) {
	data, err := os.ReadFile(index)
	if err != nil {
		return nil, err
	}
	var idx struct {
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(data, &idx); err != nil {
		return nil, fmt.Errorf("%s: malformed JSON: %w", index, err)
	}
	if len(idx.WeightMap) == 0 {
		return nil, fmt.Errorf("%s: empty weight_map", index)
	}
	byFile := map[string][]string{}
	for tensor, file := range idx.WeightMap {
		if file == "" || filepath.Base(file) != file || file == ".." || file == "." {
			return nil, fmt.Errorf("%s: tensor %q maps to %q, which is not a file name in the checkpoint folder", index, tensor, file)
		}
		byFile[file] = append(byFile[file], tensor)
	}
	names := make([]string, 0, len(byFile))
	for n := range byFile {
		names = append(names, n)
	}
	sort.Strings(names)
	var files []tensorFile
	fail := func(err error) ([]tensorFile, error) {
		for _, g := range files {
			_ = g.Close()
		}
		return nil, err
	}
	for _, n := range names {
		f, err := torchbin.Open(filepath.Join(dir, n))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return fail(fmt.Errorf("%s names shard %s, which is missing: %w", index, n, err))
			}
			return fail(err)
		}
		files = append(files, f)
		for _, t := range byFile[n] {
			if !f.Has(t) {
				return fail(fmt.Errorf("%s says tensor %q is in %s, but it is not", index, t, n))
			}
		}
	}
	return files, nil
}
