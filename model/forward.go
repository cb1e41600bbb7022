package model

import (
	"errors"
	"fmt"
)

// ClassifyBatch is the inference pass: XCLIPModel's logits_per_video for B windows, window i against
// labels[i] (text features [K_i, P] from TextFeatures; windows from different streams may have
// different label sets). pixels holds the windows one after the other, [B, T, C, S, S] as the image
// processor makes them. It returns each window's K_i logits.
//
// Only the pixels and the label features go up to the backend and only the logits come down: the
// vision encoder runs once over the whole batch, and the video features and prompt tokens stay in
// backend memory through the prompt generator and the logits.
func (m *Model) ClassifyBatch(pixels []float32, labels []*Tensor) ([][]float32, error) {
	vc := m.Config.Vision
	videos := len(labels)
	want := videos * vc.NumFrames * vc.NumChannels * vc.ImageSize * vc.ImageSize
	if videos == 0 {
		return nil, errors.New("no window to classify")
	}
	if len(pixels) != want {
		return nil, fmt.Errorf("pixel values have %d elements, want %d (%d windows × %d frames × %d×%d×%d)",
			len(pixels), want, videos, vc.NumFrames, vc.NumChannels, vc.ImageSize, vc.ImageSize)
	}
	if err := m.checkLabels(labels); err != nil {
		return nil, err
	}
	ws := m.backend.Workspace()
	defer ws.Release()
	px := ws.Alloc(videos*vc.NumFrames*vc.NumChannels*vc.ImageSize, vc.ImageSize) // [B·T·C·S, S]
	m.backend.Upload(px, pixels)
	return m.classify(ws, px, labels), nil
}

// ClassifyBatchMat is ClassifyBatch for pixels already in backend memory (uploaded once, or
// preprocessed there): a packed Mat of B·T·C·S·S values in [B, T, C, S, S] order, e.g. [B·T·C·S, S].
func (m *Model) ClassifyBatchMat(pixels Mat, labels []*Tensor) ([][]float32, error) {
	vc := m.Config.Vision
	videos := len(labels)
	want := videos * vc.NumFrames * vc.NumChannels * vc.ImageSize * vc.ImageSize
	if videos == 0 {
		return nil, errors.New("no window to classify")
	}
	if pixels.Rows*pixels.Cols != want || (pixels.Ld != pixels.Cols && pixels.Rows > 1) {
		return nil, fmt.Errorf("pixel matrix %dx%d (row stride %d) is not %d packed values (%d windows × %d frames × %d×%d×%d)",
			pixels.Rows, pixels.Cols, pixels.Ld, want, videos, vc.NumFrames, vc.NumChannels, vc.ImageSize, vc.ImageSize)
	}
	if err := m.checkLabels(labels); err != nil {
		return nil, err
	}
	ws := m.backend.Workspace()
	defer ws.Release()
	return m.classify(ws, pixels, labels), nil
}

// VideoFeatures is get_video_features: the MIT-pooled embedding [B, P] (not normalised) of each of B
// videos, pixels being [B, T, C, S, S]. It is for embeddings and checks; classification is
// ClassifyBatch, which keeps these features in backend memory.
func (m *Model) VideoFeatures(pixels []float32, videos int) (*Tensor, error) {
	vc := m.Config.Vision
	want := videos * vc.NumFrames * vc.NumChannels * vc.ImageSize * vc.ImageSize
	if videos <= 0 {
		return nil, errors.New("no video to encode")
	}
	if len(pixels) != want {
		return nil, fmt.Errorf("pixel values have %d elements, want %d (%d videos × %d frames × %d×%d×%d)",
			len(pixels), want, videos, vc.NumFrames, vc.NumChannels, vc.ImageSize, vc.ImageSize)
	}
	ws := m.backend.Workspace()
	defer ws.Release()
	px := ws.Alloc(videos*vc.NumFrames*vc.NumChannels*vc.ImageSize, vc.ImageSize) // [B·T·C·S, S]
	m.backend.Upload(px, pixels)
	features, _ := m.encodeVideo(ws, px, videos)
	out := NewTensor(videos, m.Config.ProjectionDim)
	m.backend.Download(out.Data, features)
	return out, nil
}

// checkLabels refuses label features that are not [K, P] with K > 0, before any work is done.
func (m *Model) checkLabels(labels []*Tensor) error {
	p := m.Config.ProjectionDim
	for i, l := range labels {
		switch {
		case l == nil:
			return fmt.Errorf("window %d of %d: no label features", i+1, len(labels))
		case len(l.Shape) != 2 || l.Shape[1] != p || len(l.Data) != l.Shape[0]*p:
			return fmt.Errorf("window %d of %d: label features of shape %v (%d values), want [K, %d]", i+1, len(labels), l.Shape, len(l.Data), p)
		case l.Shape[0] == 0:
			return fmt.Errorf("window %d of %d: no labels", i+1, len(labels))
		}
	}
	return nil
}

// classify runs the vision side over every window, then the prompt generator and the logits once per
// label set (the windows sharing one *Tensor together).
func (m *Model) classify(ws Workspace, pixels Mat, labels []*Tensor) [][]float32 {
	b := m.backend
	videos := len(labels)
	features, hidden := m.encodeVideo(ws, pixels, videos)
	prompts := m.promptTokens(ws, hidden, videos)
	b.Normalize(features) // video_embeds
	n := prompts.Rows / videos

	out := make([][]float32, videos)
	for _, g := range groupWindows(labels) {
		func() {
			gws := b.Workspace()
			defer gws.Release()
			first, last := g[0], g[len(g)-1]
			video, visual := features.Slice(first, last+1), prompts.Slice(first*n, (last+1)*n)
			if last-first+1 != len(g) { // windows not side by side: gather this group's rows
				video, visual = gws.Alloc(len(g), features.Cols), gws.Alloc(len(g)*n, prompts.Cols)
				b.Gather(video, features, g)
				b.Gather(visual, prompts, expandRows(g, n))
			}
			logits := m.logits(gws, video, visual, labels[g[0]])
			k := labels[g[0]].Shape[0]
			host := make([]float32, len(g)*k)
			b.Download(host, logits)
			for j, w := range g {
				out[w] = host[j*k : (j+1)*k : (j+1)*k]
			}
		}()
	}
	return out
}

// encodeVideo runs the vision side on the windows: the video features [B, P] (get_video_features, the
// MIT-pooled video embedding, not normalised), and the vision encoder's last hidden state
// [B·T·(L+1), D] for the prompt tokens.
func (m *Model) encodeVideo(ws Workspace, pixels Mat, videos int) (features, hidden Mat) {
	vc := m.Config.Vision
	t, p := vc.NumFrames, m.Config.ProjectionDim
	b := m.backend
	out := m.vision.forward(b, ws, pixels, videos, t, m.obs)
	// Frame embeddings: visual_projection(post_layernorm(CLS)) [B·T, P].
	frames := ws.Alloc(videos*t, p)
	m.visualProjection.Forward(frames, out.pooled, Epilogue{})
	features = m.mit.forward(b, ws, frames, videos, t, m.obs)
	observe(m.obs, "video_features", features)
	return features, out.hidden
}

// promptTokens is the mean over frames of the projected patch tokens [B·N, P]: what the labels attend
// to in the prompt generator. hidden is the vision encoder's last hidden state.
func (m *Model) promptTokens(ws Workspace, hidden Mat, videos int) Mat {
	vc := m.Config.Vision
	t, p, b := vc.NumFrames, m.Config.ProjectionDim, m.backend
	// Prompt tokens: mean over frames of prompts_visual_layernorm(patches) @ prompts_visual_projection.
	// The mean is taken before the projection (the same value: the projection is linear), which saves a
	// factor T in that GEMM. The LayerNorm also runs on CLS and message rows, which are not used.
	np, ls := vc.NumPatches(), vc.NumPatches()+2
	normed := ws.Alloc(hidden.Rows, hidden.Cols)
	m.promptsVisualLayerNorm.forward(b, normed, hidden)
	mean := ws.Alloc(videos*np, vc.HiddenSize)
	b.MeanFrames(mean, normed.Slice(1, normed.Rows), videos, t, np, ls)
	prompts := ws.Alloc(videos*np, p)
	m.promptsVisualProjection.Forward(prompts, mean, Epilogue{})
	observe(m.obs, "prompt_tokens", prompts)
	return prompts
}

// logits is logits_per_video [G, K] for G windows sharing the label features text [K, P]: video holds
// their normalised video embeddings [G, P] and visual their prompt tokens [G·N, P]. Each label
// embedding is adapted to each video by the prompt generator, L2-normalised, and its cosine with the
// video embedding scaled by exp(logit_scale).
func (m *Model) logits(ws Workspace, video, visual Mat, text *Tensor) Mat {
	b := m.backend
	k, p := text.Shape[0], text.Shape[1]
	textMat := ws.Alloc(k, p)
	b.Upload(textMat, text.Data)
	embeds := m.promptsGenerator.forward(b, ws, textMat, visual, video.Rows) // [G·K, P]
	observe(m.obs, "prompts_generator_out", embeds)
	b.Add(embeds, textMat) // text + alpha·generator(text), text repeating for every video
	b.Normalize(embeds)
	observe(m.obs, "text_embeds", embeds)
	out := ws.Alloc(video.Rows, k)
	b.RowDots(out, video, embeds, k, m.logitScale)
	return out
}

// groupWindows lists the windows of each distinct label set, in order of first appearance.
func groupWindows(labels []*Tensor) [][]int {
	var groups [][]int
	at := map[*Tensor]int{}
	for i, l := range labels {
		g, ok := at[l]
		if !ok {
			g = len(groups)
			at[l] = g
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], i)
	}
	return groups
}

// expandRows maps windows to their n rows each: [w0·n, …, w0·n+n-1, w1·n, …].
func expandRows(windows []int, n int) []int {
	rows := make([]int, 0, len(windows)*n)
	for _, w := range windows {
		for i := range n {
			rows = append(rows, w*n+i)
		}
	}
	return rows
}
