package model

import "fmt"

// visionTransformer is XCLIPVisionTransformer: a CLIP ViT whose layers exchange information across the
// frames of a video through one "message token" per frame (the paper's cross-frame communication
// transformer, §3.2).
//
// Activations are [B·T·(L+1), D]: each frame's rows are CLS, its patches, then a slot for its message
// token, so that appending the message (and dropping it after attention) moves no data.
type visionTransformer struct {
	cfg            VisionConfig
	patchEmbedding Linear // conv2d(C→D, kernel = stride = patch, no bias) as a GEMM over flattened patches
	// embeddingRows is added to every frame's rows after the patch GEMM: CLS embedding + position 0,
	// then the patches' positions, then zero for the message slot. [L+1, D]
	embeddingRows Mat
	preLayerNorm  layerNorm
	layers        []crossFrameLayer
	postLayerNorm layerNorm
}

// crossFrameLayer is XCLIPVisionEncoderLayer. Each frame's CLS token is projected (message_fc) into a
// message; messages attend to each other across the frames of their video (message_ln, message_attn);
// each frame's message is appended to its tokens for the self-attention, then dropped before the MLP.
type crossFrameLayer struct {
	messageFC   Linear
	messageLN   layerNorm
	messageAttn selfAttention
	encoderLayer
}

func loadVisionTransformer(w *weights, c VisionConfig) *visionTransformer {
	d, p, l := c.HiddenSize, c.PatchSize, c.NumPatches()+1
	v := &visionTransformer{
		cfg:           c,
		preLayerNorm:  w.layerNorm("vision_model.pre_layernorm", d, c.LayerNormEps),
		postLayerNorm: w.layerNorm("vision_model.post_layernorm", d, c.LayerNormEps),
	}
	// The conv2d weight [D, C, P, P] is, byte for byte, a Linear weight [D, C·P·P].
	if pw := w.get("vision_model.embeddings.patch_embedding.weight", d, c.NumChannels, p, p); pw != nil {
		v.patchEmbedding = w.backend.NewLinear(pw, nil, d, c.NumChannels*p*p)
	}
	cls := w.get("vision_model.embeddings.class_embedding", d)
	pos := w.get("vision_model.embeddings.position_embedding.weight", l, d)
	if cls != nil && pos != nil {
		rows := make([]float32, (l+1)*d)
		copy(rows, pos)
		addInto(rows[:d], cls)
		v.embeddingRows = w.backend.Constant(rows, l+1, d)
	}
	act, _ := activation(c.HiddenAct)
	for i := range c.NumHiddenLayers {
		pre := fmt.Sprintf("vision_model.encoder.layers.%d", i)
		v.layers = append(v.layers, crossFrameLayer{
			messageFC: w.linear(pre+".message_fc", d, d, true),
			messageLN: w.layerNorm(pre+".message_ln", d, c.LayerNormEps),
			messageAttn: selfAttention{
				qkv:   w.fusedLinear([]string{pre + ".message_attn.q_proj", pre + ".message_attn.k_proj", pre + ".message_attn.v_proj"}, d, d, true),
				out:   w.linear(pre+".message_attn.out_proj", d, d, true),
				heads: c.NumAttentionHeads,
			},
			encoderLayer: loadEncoderLayer(w, pre, d, c.IntermediateSize, c.NumAttentionHeads, c.LayerNormEps, act),
		})
	}
	return v
}

func addInto(dst, src []float32) {
	for i, v := range src {
		dst[i] += v
	}
}

// visionOutput is what the rest of X-CLIP uses from the vision encoder.
type visionOutput struct {
	hidden Mat // [B·T·(L+1), D]: last hidden state, CLS first in each frame, message slot last
	pooled Mat // [B·T, D] post_layernorm of CLS
}

// forward runs videos of t frames; pixels holds [B·T, C, S, S] (packed) in backend memory.
func (v *visionTransformer) forward(b Backend, ws Workspace, pixels Mat, videos, t int, obs observer) visionOutput {
	c := v.cfg
	d, bt := c.HiddenSize, videos*t
	ls := c.NumPatches() + 2 // CLS, patches, message slot

	// Patch embedding: [B·T·(L+1), C·P·P] with zero CLS and message rows, through the patch GEMM, plus
	// the class and position embeddings; then pre_layernorm (on the message slots too: they are
	// overwritten before use). Each frame on its own.
	x := ws.Alloc(bt*ls, d)
	frames := pixels.Reshape(bt, c.NumChannels*c.ImageSize*c.ImageSize)
	forParts(b, ws, bt, ls, func(ws Workspace, f0, f1 int) {
		xs := x.Slice(f0*ls, f1*ls)
		cols := allocOut(ws, (f1-f0)*ls, c.NumChannels*c.PatchSize*c.PatchSize) // Patchify clears it
		b.Patchify(cols, frames.Slice(f0, f1), f1-f0, c.NumChannels, c.ImageSize, c.PatchSize)
		v.patchEmbedding.Forward(xs, cols, Epilogue{})
		b.Add(xs, v.embeddingRows)
		v.preLayerNorm.forward(b, xs, xs)
	})

	observe(obs, "vision_hidden", x) // each encoder layer's input and output
	for i := range v.layers {
		v.layers[i].forward(b, ws, x, videos, t, ls)
		observe(obs, "vision_hidden", x)
	}
	pooled := ws.Alloc(bt, d)
	v.postLayerNorm.forward(b, pooled, x.Every(ls))
	observe(obs, "vision_pooler", pooled)
	return visionOutput{hidden: x, pooled: pooled}
}

// forward runs one cross-frame layer on x ([B·T·ls, D]; row ls-1 of each frame is the message slot).
func (cf *crossFrameLayer) forward(b Backend, ws Workspace, x Mat, videos, t, ls int) {
	d, bt := x.Cols, videos*t
	// msg = message_fc(CLS): [B·T, D] -> [B, T, D].
	msg := ws.Alloc(bt, d)
	cf.messageFC.Forward(msg, x.Every(ls), Epilogue{})
	// msg += message_attn(message_ln(msg)) over the T frames of each video.
	h := ws.Alloc(bt, d)
	cf.messageLN.forward(b, h, msg)
	cf.messageAttn.forward(b, ws, msg, h, &msg, videos, t, false, nil)
	// Append each frame's message: [B·T, L, D] -> [B·T, L+1, D].
	b.Copy(x.Slice(ls-1, bt*ls).Every(ls), msg)
	// The standard pre-norm block over all L+1 rows. The MLP also runs on the message row, which the
	// next layer overwrites: cheaper than compacting the rows, and the same result for every other row.
	// Frames are independent here: a backend that runs independent streams of operations better than
	// one (the CPU backend: one per core, with no barrier between their operations) gets them in parts.
	forParts(b, ws, bt, ls, func(ws Workspace, f0, f1 int) {
		cf.encoderLayer.forward(b, ws, x.Slice(f0*ls, f1*ls), f1-f0, ls, false, nil)
	})
}
