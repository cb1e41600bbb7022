package model

import (
	"fmt"
	"math"
)

// promptsGenerator is XCLIPPromptGenerator (the paper's §3.3 video-specific prompting): label
// embeddings attend to the video's patch tokens, and the result, scaled by a learned per-channel alpha,
// is added to the label embeddings — so the same label reads slightly differently for every video.
type promptsGenerator struct {
	layerNorm layerNorm // prompts_generator.layernorm, on the visual tokens
	decoder   []promptGeneratorLayer
	alpha     Mat // 1×P
}

// promptGeneratorLayer is XCLIPPromptGeneratorLayer: x += cross_attn(norm1(x), visual); x += mlp(norm3(x)).
type promptGeneratorLayer struct {
	norm1, norm3 layerNorm
	qProj        Linear // no bias
	kvProj       Linear // k_proj and v_proj fused, no bias
	proj         Linear
	heads        int
	mlp          mlp // mlp.0 → act → mlp.3
}

func loadPromptsGenerator(w *weights, c Config) *promptsGenerator {
	p := c.ProjectionDim
	g := &promptsGenerator{
		layerNorm: w.layerNorm("prompts_generator.layernorm", p, c.Vision.LayerNormEps),
		alpha:     w.constant("prompts_generator.alpha", 1, p, p),
	}
	act, _ := activation(c.PromptHiddenAct)
	for i := range c.PromptLayers {
		pre := fmt.Sprintf("prompts_generator.decoder.%d", i)
		g.decoder = append(g.decoder, promptGeneratorLayer{
			norm1:  w.layerNorm(pre+".norm1", p, c.Text.LayerNormEps),
			norm3:  w.layerNorm(pre+".norm3", p, c.Text.LayerNormEps),
			qProj:  w.linear(pre+".cross_attn.q_proj", p, p, false),
			kvProj: w.fusedLinear([]string{pre + ".cross_attn.k_proj", pre + ".cross_attn.v_proj"}, p, p, false),
			proj:   w.linear(pre+".cross_attn.proj", p, p, true),
			heads:  c.PromptNumAttentionHeads,
			mlp:    mlp{fc1: w.linear(pre+".mlp.0", 4*p, p, true), fc2: w.linear(pre+".mlp.3", p, 4*p, true), act: act},
		})
	}
	return g
}

// forward returns alpha·generator(text, visual) for every video: text is [K, P] (shared by the videos),
// visual is [B·N, P] (each video's mean patch tokens); the result is [B·K, P].
func (g *promptsGenerator) forward(b Backend, ws Workspace, text Mat, visual Mat, videos int) Mat {
	p, k, n := text.Cols, text.Rows, visual.Rows/videos
	vis := ws.Alloc(visual.Rows, p)
	g.layerNorm.forward(b, vis, visual)
	x := ws.Alloc(videos*k, p) // [B·K, P]
	for v := range videos {
		b.Copy(x.Slice(v*k, (v+1)*k), text)
	}
	h := ws.Alloc(videos*k, p)
	q := ws.Alloc(videos*k, p)
	kv := ws.Alloc(visual.Rows, 2*p) // k | v
	for i := range g.decoder {
		l := &g.decoder[i]
		l.kvProj.Forward(kv, vis, Epilogue{})
		l.norm1.forward(b, h, x)
		l.qProj.Forward(q, h, Epilogue{})
		hd := p / l.heads
		b.Attention(h, q, kv.Columns(0, p), kv.Columns(p, 2*p), AttentionShape{
			Seqs: videos, Lq: k, Lk: n, Heads: l.heads, HeadDim: hd, Scale: float32(1 / math.Sqrt(float64(hd))),
		})
		l.proj.Forward(x, h, Epilogue{Residual: &x})
		l.norm3.forward(b, h, x)
		l.mlp.forward(ws, x, h, &x)
	}
	b.ScaleColumns(x, g.alpha)
	return x
}
