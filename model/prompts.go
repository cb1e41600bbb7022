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
	alpha     []float32 // [P]
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
		alpha:     w.get("prompts_generator.alpha", p),
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

// forward returns alpha·generator(text, visual) for every video: text is [K, P] (shared), visual is
// [B, N, P] (the video's mean patch tokens); the result is [B, K, P].
func (g *promptsGenerator) forward(b Backend, text []float32, k int, visual []float32, videos, n int) []float32 {
	p := len(g.alpha)
	vis := make([]float32, len(visual))
	g.layerNorm.forward(b, vis, p, visual, p, videos*n)
	x := make([]float32, videos*k*p) // [B, K, P]
	for v := range videos {
		copy(x[v*k*p:], text[:k*p])
	}
	rows := videos * k
	h := make([]float32, rows*p)
	for i := range g.decoder {
		l := &g.decoder[i]
		kv := make([]float32, videos*n*2*p) // [B·N, 2P]: k | v
		l.kvProj.Forward(kv, 2*p, vis, p, videos*n)
		l.norm1.forward(b, h, p, x, p, rows)
		q := make([]float32, rows*p)
		l.qProj.Forward(q, p, h, p, rows)
		hd := p / l.heads
		b.Attention(h, p, q, p, kv, 2*p, kv[p:], 2*p, AttentionShape{
			Seqs: videos, Lq: k, Lk: n, Heads: l.heads, HeadDim: hd, Scale: float32(1 / math.Sqrt(float64(hd))),
		})
		l.proj.Forward(q, p, h, p, rows)
		addInto(x, q)
		l.norm3.forward(b, h, p, x, p, rows)
		l.mlp.forward(b, h, h, rows)
		addInto(x, h)
	}
	for r := range rows {
		row := x[r*p : (r+1)*p]
		for j, a := range g.alpha {
			row[j] *= a
		}
	}
	return x
}
