package model

import "fmt"

// textTransformer is XCLIPTextTransformer: CLIP's causal text encoder. The label's embedding is the
// final-layer-normed hidden state at its EOS token, projected by text_projection.
type textTransformer struct {
	cfg               TextConfig
	tokenEmbedding    []float32 // [vocab, D]
	positionEmbedding []float32 // [maxPos, D]
	layers            []encoderLayer
	finalLayerNorm    layerNorm
}

func loadTextTransformer(w *weights, c TextConfig) *textTransformer {
	d := c.HiddenSize
	t := &textTransformer{
		cfg:               c,
		tokenEmbedding:    w.get("text_model.embeddings.token_embedding.weight", c.VocabSize, d),
		positionEmbedding: w.get("text_model.embeddings.position_embedding.weight", c.MaxPositionEmbeddings, d),
		finalLayerNorm:    w.layerNorm("text_model.final_layer_norm", d, c.LayerNormEps),
	}
	act, _ := activation(c.HiddenAct) // validated with the config
	for i := range c.NumHiddenLayers {
		t.layers = append(t.layers, loadEncoderLayer(w, fmt.Sprintf("text_model.encoder.layers.%d", i),
			d, c.IntermediateSize, c.NumAttentionHeads, c.LayerNormEps, act))
	}
	return t
}

// loadEncoderLayer loads an XCLIPEncoderLayer (text encoder and MIT).
func loadEncoderLayer(w *weights, p string, d, inner, heads int, eps float64, act func(float32) float32) encoderLayer {
	return encoderLayer{
		layerNorm1: w.layerNorm(p+".layer_norm1", d, eps),
		layerNorm2: w.layerNorm(p+".layer_norm2", d, eps),
		selfAttn: selfAttention{
			qkv:   w.fusedLinear([]string{p + ".self_attn.q_proj", p + ".self_attn.k_proj", p + ".self_attn.v_proj"}, d, d, true),
			out:   w.linear(p+".self_attn.out_proj", d, d, true),
			heads: heads,
		},
		mlp: mlp{fc1: w.linear(p+".mlp.fc1", inner, d, true), fc2: w.linear(p+".mlp.fc2", d, inner, true), act: act},
	}
}

// textTrace receives intermediate results for comparison with the peer (tests); nil in production.
type textTrace struct {
	hiddenEOS  [][]float32 // per encoder input/output: [N, D] at each sequence's EOS
	lastHidden []float32   // [N·L, D] after final_layer_norm
	pooler     []float32   // [N, D]
}

// forward encodes n token sequences of length l (ids and mask [n·l]) to pooled [n, D] features.
func (t *textTransformer) forward(b Backend, ids, mask []int, n, l int, trace *textTrace) ([]float32, error) {
	d := t.cfg.HiddenSize
	if l > t.cfg.MaxPositionEmbeddings {
		return nil, fmt.Errorf("text of %d tokens exceeds max_position_embeddings %d", l, t.cfg.MaxPositionEmbeddings)
	}
	x := make([]float32, n*l*d) // [N·L, D]
	eos := make([]int, n)
	for s := range n {
		eos[s] = eosPosition(ids[s*l : (s+1)*l])
		for i := range l {
			id := ids[s*l+i]
			if id < 0 || id >= t.cfg.VocabSize {
				return nil, fmt.Errorf("token id %d outside the vocabulary (%d)", id, t.cfg.VocabSize)
			}
			row := x[(s*l+i)*d : (s*l+i+1)*d]
			copy(row, t.tokenEmbedding[id*d:(id+1)*d])
			addInto(row, t.positionEmbedding[i*d:(i+1)*d])
		}
	}
	gatherEOS := func() []float32 {
		out := make([]float32, n*d)
		for s := range n {
			copy(out[s*d:], x[(s*l+eos[s])*d:(s*l+eos[s]+1)*d])
		}
		return out
	}
	if trace != nil {
		trace.hiddenEOS = append(trace.hiddenEOS, gatherEOS())
	}
	for i := range t.layers {
		t.layers[i].forward(b, x, n, l, true, mask)
		if trace != nil {
			trace.hiddenEOS = append(trace.hiddenEOS, gatherEOS())
		}
	}
	t.finalLayerNorm.forward(b, x, d, x, d, n*l)
	pooled := gatherEOS()
	if trace != nil {
		trace.lastHidden = x
		trace.pooler = pooled
	}
	return pooled, nil
}

// eosPosition is where CLIP pools a sequence: the first position of the largest id, which is EOS (49407,
// the last id of the vocabulary) — input_ids.argmax(-1) in the peer, first occurrence on ties.
func eosPosition(ids []int) int {
	best := 0
	for i, id := range ids {
		if id > ids[best] {
			best = i
		}
	}
	return best
}
