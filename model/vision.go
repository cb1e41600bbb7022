package model

import "fmt"

// visionTransformer is XCLIPVisionTransformer: a CLIP ViT whose layers exchange information across the
// frames of a video through one "message token" per frame (the paper's cross-frame communication
// transformer, §3.2).
type visionTransformer struct {
	cfg               VisionConfig
	patchEmbedding    Linear    // conv2d(C→D, kernel = stride = patch) as a GEMM over flattened patches
	classEmbedding    []float32 // [D]
	positionEmbedding []float32 // [1+patches, D]
	preLayerNorm      layerNorm
	layers            []crossFrameLayer
	postLayerNorm     layerNorm
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
	d, p := c.HiddenSize, c.PatchSize
	v := &visionTransformer{
		cfg:               c,
		classEmbedding:    w.get("vision_model.embeddings.class_embedding", d),
		positionEmbedding: w.get("vision_model.embeddings.position_embedding.weight", c.NumPatches()+1, d),
		preLayerNorm:      w.layerNorm("vision_model.pre_layernorm", d, c.LayerNormEps),
		postLayerNorm:     w.layerNorm("vision_model.post_layernorm", d, c.LayerNormEps),
	}
	// The conv2d weight [D, C, P, P] is, byte for byte, a Linear weight [D, C·P·P].
	if pw := w.get("vision_model.embeddings.patch_embedding.weight", d, c.NumChannels, p, p); pw != nil {
		v.patchEmbedding = w.backend.NewLinear(pw, nil, d, c.NumChannels*p*p)
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

// visionTrace receives intermediate results (tests); nil in production.
type visionTrace struct {
	hiddenCLS [][]float32 // per encoder input/output: [B·T, D]
	patch0    []float32   // [B·T, D] first patch token of the last layer
}

// visionOutput is what the rest of X-CLIP uses from the vision encoder.
type visionOutput struct {
	lastHidden []float32 // [B·T, L, D], L = 1 + patches (message token dropped)
	pooled     []float32 // [B·T, D] post_layernorm of CLS
}

// forward runs videos of t frames; pixels is [B·T, C, S, S].
func (v *visionTransformer) forward(b Backend, pixels []float32, videos, t int, trace *visionTrace) visionOutput {
	c := v.cfg
	d, bt := c.HiddenSize, videos*t
	l := c.NumPatches() + 1
	ls := l + 1 // each frame's rows: CLS, patches, then its message token
	x := make([]float32, bt*ls*d)

	v.embed(b, x, pixels, bt, ls)
	// [B·T, L+1, D]: pre_layernorm over the L real rows of every frame.
	for f := range bt {
		rows := x[f*ls*d:]
		v.preLayerNorm.forward(b, rows, d, rows, d, l)
	}
	cls := func() []float32 {
		out := make([]float32, bt*d)
		for f := range bt {
			copy(out[f*d:(f+1)*d], x[f*ls*d:])
		}
		return out
	}
	if trace != nil {
		trace.hiddenCLS = append(trace.hiddenCLS, cls())
	}
	for i := range v.layers {
		v.layers[i].forward(b, x, videos, t, l)
		if trace != nil {
			trace.hiddenCLS = append(trace.hiddenCLS, cls())
		}
	}
	// Drop the message rows: [B·T, L+1, D] -> [B·T, L, D].
	last := make([]float32, bt*l*d)
	for f := range bt {
		copy(last[f*l*d:(f+1)*l*d], x[f*ls*d:])
	}
	pooled := cls()
	v.postLayerNorm.forward(b, pooled, d, pooled, d, bt)
	if trace != nil {
		trace.patch0 = make([]float32, bt*d)
		for f := range bt {
			copy(trace.patch0[f*d:(f+1)*d], last[(f*l+1)*d:])
		}
	}
	return visionOutput{lastHidden: last, pooled: pooled}
}

// embed fills rows 0..L-1 of every frame in x ([B·T, ls, D]) with CLS and patch embeddings plus positions.
func (v *visionTransformer) embed(b Backend, x, pixels []float32, bt, ls int) {
	c := v.cfg
	d, p, s, ch := c.HiddenSize, c.PatchSize, c.ImageSize, c.NumChannels
	g := s / p
	np := g * g
	kk := ch * p * p
	// im2col: [B·T·patches, C·P·P] in the conv weight's (c, ky, kx) order.
	cols := make([]float32, bt*np*kk)
	b.Parallel(bt*np, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			f, pi := r/np, r%np
			py, px := pi/g, pi%g
			dst := cols[r*kk:]
			for cc := range ch {
				plane := pixels[(f*ch+cc)*s*s:]
				for ky := range p {
					copy(dst[(cc*p+ky)*p:(cc*p+ky+1)*p], plane[(py*p+ky)*s+px*p:])
				}
			}
		}
	})
	for f := range bt {
		frame := x[f*ls*d:]
		// Patch tokens go to rows 1..np of this frame.
		v.patchEmbedding.Forward(frame[d:], d, cols[f*np*kk:], kk, np)
		copy(frame[:d], v.classEmbedding)
		for i := range np + 1 {
			addInto(frame[i*d:(i+1)*d], v.positionEmbedding[i*d:(i+1)*d])
		}
	}
}

// forward runs one cross-frame layer on x ([B·T, L+1, D], row L of each frame is the message slot).
func (cf *crossFrameLayer) forward(b Backend, x []float32, videos, t, l int) {
	d := len(cf.messageLN.weight)
	bt, ls := videos*t, l+1
	// msg = message_fc(CLS): [B·T, D], read with a row stride of one frame.
	msg := make([]float32, bt*d)
	cf.messageFC.Forward(msg, d, x, ls*d, bt)
	// msg += message_attn(message_ln(msg)) over the T frames of each video: [B, T, D].
	h := make([]float32, bt*d)
	cf.messageLN.forward(b, h, d, msg, d, bt)
	cf.messageAttn.forward(b, h, h, videos, t, false, nil)
	addInto(msg, h)
	for f := range bt {
		copy(x[(f*ls+l)*d:(f*ls+l+1)*d], msg[f*d:])
	}
	// The standard pre-norm block over [B·T, L+1, D]. The MLP also runs on the message row, which the
	// next layer overwrites: cheaper than compacting the rows, and the same result for every other row.
	cf.encoderLayer.forward(b, x, bt, ls, false, nil)
}
