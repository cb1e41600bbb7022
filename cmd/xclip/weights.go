package main

import (
	"github.com/xclipfilter/xclipfilter/internal/formula"
	"github.com/xclipfilter/xclipfilter/model"
)

// modelOptions are the load options of checkpoint folder on backend b: with its formula weights when
// it has a weights_manifest.json and no weight file (the golden data's real-size checkpoints).
func modelOptions(folder string, b model.Backend) (model.Options, error) {
	return formula.WithWeights(folder, model.Options{Backend: b})
}
