package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/xclipfilter/xclipfilter/cpu"
	"github.com/xclipfilter/xclipfilter/model"
)

// infoResult is what --json prints.
type infoResult struct {
	Model         string         `json:"model"`
	Weights       string         `json:"weights"`
	Parameters    int64          `json:"parameters"`
	DTypes        map[string]int `json:"dtypes"` // tensors per stored dtype
	NumFrames     int            `json:"num_frames"`
	ImageSize     int            `json:"image_size"`
	PatchSize     int            `json:"patch_size"`
	ProjectionDim int            `json:"projection_dim"`
	Config        model.Config   `json:"config"`
}

func runInfo(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("info", stderr)
	dir := fs.String("model", "", "checkpoint folder, or hub id ORG/NAME[@REVISION]")
	asJSON := fs.Bool("json", false, "print one JSON object")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *dir == "" {
		return usageError{errors.New("--model is required")}
	}
	if len(rest) > 0 {
		return usageError{fmt.Errorf("unexpected arguments %q", rest)}
	}
	folder, err := resolveModel(*dir, stderr)
	if err != nil {
		return err
	}
	opts, err := modelOptions(folder, cpu.New(cpu.Options{})) // info only reads the checkpoint
	if err != nil {
		return err
	}
	m, err := model.Load(folder, opts)
	if err != nil {
		return err
	}
	c := m.Config
	r := infoResult{
		Model: *dir, Weights: m.Info.Weights, Parameters: m.Info.Parameters, DTypes: m.Info.DTypes,
		NumFrames: c.Vision.NumFrames, ImageSize: c.Vision.ImageSize, PatchSize: c.Vision.PatchSize,
		ProjectionDim: c.ProjectionDim, Config: c,
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(r)
	}
	var dt []string
	for k, n := range r.DTypes {
		dt = append(dt, fmt.Sprintf("%s (%d tensors)", k, n))
	}
	sort.Strings(dt)
	fmt.Fprintf(stdout, "model       %s\n", r.Model)
	fmt.Fprintf(stdout, "weights     %s\n", r.Weights)
	fmt.Fprintf(stdout, "parameters  %d (%.1fM)\n", r.Parameters, float64(r.Parameters)/1e6)
	fmt.Fprintf(stdout, "dtype       %v\n", dt)
	fmt.Fprintf(stdout, "video       %d frames of %dx%d, patch %d (%d tokens per frame)\n",
		c.Vision.NumFrames, c.Vision.ImageSize, c.Vision.ImageSize, c.Vision.PatchSize, c.Vision.NumPatches()+1)
	fmt.Fprintf(stdout, "vision      %d layers, width %d, %d heads, MLP %d, %s\n",
		c.Vision.NumHiddenLayers, c.Vision.HiddenSize, c.Vision.NumAttentionHeads, c.Vision.IntermediateSize, c.Vision.HiddenAct)
	fmt.Fprintf(stdout, "mit         %d layers, width %d, %d heads, MLP %d\n",
		c.Vision.MITNumHiddenLayers, c.Vision.MITHiddenSize, c.Vision.MITNumAttentionHeads, c.Vision.MITIntermediateSize)
	fmt.Fprintf(stdout, "text        %d layers, width %d, %d heads, MLP %d, %s, vocab %d, context %d\n",
		c.Text.NumHiddenLayers, c.Text.HiddenSize, c.Text.NumAttentionHeads, c.Text.IntermediateSize, c.Text.HiddenAct,
		c.Text.VocabSize, c.Text.MaxPositionEmbeddings)
	fmt.Fprintf(stdout, "prompts     %d layers, %d heads, alpha init %g, %s\n",
		c.PromptLayers, c.PromptNumAttentionHeads, c.PromptAlpha, c.PromptHiddenAct)
	fmt.Fprintf(stdout, "projection  %d, logit_scale init %g\n", c.ProjectionDim, c.LogitScaleInitValue)
	return nil
}
