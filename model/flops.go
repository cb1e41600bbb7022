package model

// FLOP counts of the matrix products in a forward pass (2 per multiply-add), for benchmark reports:
// a window's time against these counts at the machine's measured GEMM rate says how close the whole
// forward pass runs to the speed of its matrix multiplies. Element-wise work (LayerNorm, softmax,
// activations) is not counted.
//
// The counts are those of Hugging Face's XCLIPModel at batch 1, with one saving every implementation
// can make: the prompt tokens are averaged over the frames before prompts_visual_projection rather
// than after (the projection is linear, so the result is the same and the product is T times
// smaller); this package computes it that way.

// linearFLOPs is an m×k by k×n product.
func linearFLOPs(m, k, n int) float64 { return 2 * float64(m) * float64(k) * float64(n) }

// attentionFLOPs is Q·Kᵀ and P·V for lq queries and lk keys of width d (all heads together).
func attentionFLOPs(lq, lk, d int) float64 { return 4 * float64(lq) * float64(lk) * float64(d) }

// encoderLayerFLOPs is one pre-norm transformer block on n sequences of l tokens of width d with an MLP
// of width inner.
func encoderLayerFLOPs(n, l, d, inner int) float64 {
	rows := n * l
	return linearFLOPs(rows, d, 3*d) + float64(n)*attentionFLOPs(l, l, d) + linearFLOPs(rows, d, d) +
		2*linearFLOPs(rows, d, inner)
}

// WindowFLOPs counts the matrix-product FLOPs of one window (one video of NumFrames frames) against
// labels cached label embeddings: vision encoder with its cross-frame messages, visual projection, MIT,
// prompt tokens, prompt generator and logits. The text encoder is not included (see TextFLOPs).
func WindowFLOPs(cfg Config, labels int) float64 {
	v := cfg.Vision
	t, d, np, p := v.NumFrames, v.HiddenSize, v.NumPatches(), cfg.ProjectionDim
	l := np + 1                                                      // CLS and patches
	f := linearFLOPs(t*np, v.NumChannels*v.PatchSize*v.PatchSize, d) // patch embedding (conv)
	for range v.NumHiddenLayers {
		// message_fc and message_attn over the T frames' CLS tokens
		f += linearFLOPs(t, d, d) + linearFLOPs(t, d, 3*d) + attentionFLOPs(t, t, d) + linearFLOPs(t, d, d)
		// self-attention over CLS, patches and the message token; the MLP without the message token
		f += linearFLOPs(t*(l+1), d, 3*d) + float64(t)*attentionFLOPs(l+1, l+1, d) + linearFLOPs(t*(l+1), d, d)
		f += 2 * linearFLOPs(t*l, d, v.IntermediateSize)
	}
	f += linearFLOPs(t, d, p) // visual_projection
	for range v.MITNumHiddenLayers {
		f += encoderLayerFLOPs(1, t, v.MITHiddenSize, v.MITIntermediateSize)
	}
	f += linearFLOPs(np, d, p) // prompts_visual_projection of the frame-averaged patch tokens
	for range cfg.PromptLayers {
		f += linearFLOPs(np, p, 2*p) + linearFLOPs(labels, p, p) + attentionFLOPs(labels, np, p) +
			linearFLOPs(labels, p, p) + 2*linearFLOPs(labels, p, 4*p)
	}
	f += 2 * float64(labels) * float64(p) // logits
	return f
}

// TextFLOPs counts the matrix-product FLOPs of encoding labels token sequences of tokens tokens each
// (padded to the same length) and projecting them.
func TextFLOPs(cfg Config, labels, tokens int) float64 {
	c := cfg.Text
	var f float64
	for range c.NumHiddenLayers {
		f += encoderLayerFLOPs(labels, tokens, c.HiddenSize, c.IntermediateSize)
	}
	return f + linearFLOPs(labels, c.HiddenSize, cfg.ProjectionDim)
}
