package model

import "fmt"

// textTransformer is XCLIPTextTransformer: CLIP's causal text encoder. The label's embedding is the
// final-layer-normed hidden state at its EOS token, projected by text_projection.
type textTransformer struct {
	cfg               TextConfig
	tokenEmbedding    Mat // [vocab, D]
	positionEmbedding Mat // [maxPos, D]
	layers            []encoderLayer
	finalLayerNorm    layerNorm
}

func loadTextTransformer(w *weights, c TextConfig) *textTransformer {
	d := c.HiddenSize
	t := &textTransformer{
		cfg:               c,
		tokenEmbedding:    w.constant("text_model.embeddings.token_embedding.weight", c.VocabSize, d, c.VocabSize, d),
		positionEmbedding: w.constant("text_model.embeddings.position_embedding.weight", c.MaxPositionEmbeddings, d, c.MaxPositionEmbeddings, d),
		finalLayerNorm:    w.layerNorm("text_model.final_layer_norm", d, c.LayerNormEps),
	}
	act, _ := activation(c.HiddenAct) // validated with the config
	for i := range c.NumHiddenLayers {
		t.layers = append(t.layers, loadEncoderLayer(w, fmt.Sprintf("text_model.encoder.layers.%d", i),
			d, c.IntermediateSize, c.NumAttentionHeads, c.LayerNormEps, act))
	}
	return t
}

// loadEncoderLayer loads an XCLIPEncoderLayer (text encoder, vision encoder and MIT).
func loadEncoderLayer(w *weights, p string, d, inner, heads int, eps float64, act Activation) encoderLayer {
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

// forward encodes n token sequences of length l (ids and mask [n·l]) to pooled [n, D] features.
func (t *textTransformer) forward(b Backend, ws Workspace, ids, mask []int, n, l int, obs observer) (Mat, error) {
	d := t.cfg.HiddenSize
	if l > t.cfg.MaxPositionEmbeddings {
		return Mat{}, fmt.Errorf("text of %d tokens exceeds max_position_embeddings %d", l, t.cfg.MaxPositionEmbeddings)
	}
	for _, id := range ids {
		if id < 0 || id >= t.cfg.VocabSize {
			return Mat{}, fmt.Errorf("token id %d outside the vocabulary (%d)", id, t.cfg.VocabSize)
		}
	}
	// [N·L, D] = token embeddings + position embeddings.
	x := ws.Alloc(n*l, d)
	b.Gather(x, t.tokenEmbedding, ids)
	b.Add(x, t.positionEmbedding.Slice(0, l))

	eos := make([]int, n) // row of each sequence's EOS token in x
	for s := range n {
		eos[s] = s*l + eosPosition(ids[s*l:(s+1)*l])
	}
	observe(obs, "text_hidden", x) // each encoder layer's input and output
	for i := range t.layers {
		t.layers[i].forward(b, ws, x, n, l, true, mask)
		observe(obs, "text_hidden", x)
	}
	t.finalLayerNorm.forward(b, x, x)
	observe(obs, "text_last_hidden", x)
	pooled := ws.Alloc(n, d)
	b.Gather(pooled, x, eos)
	observe(obs, "text_pooler", pooled)
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
