package model

import "fmt"

// mit is XCLIPMultiframeIntegrationTransformer (the paper's §3.2 multi-frame integration transformer):
// a small transformer over the T projected frame embeddings of a video, whose output is mean-pooled into
// the video embedding. Its residual skips the position embedding: out = encoder(x + pos) + x.
type mit struct {
	positionEmbedding Mat // [T, P]
	layers            []encoderLayer
}

func loadMIT(w *weights, c VisionConfig) *mit {
	p := c.MITHiddenSize
	m := &mit{positionEmbedding: w.constant("mit.position_embedding", c.NumFrames, p, 1, c.NumFrames, p)}
	act, _ := activation(c.HiddenAct)
	for i := range c.MITNumHiddenLayers {
		m.layers = append(m.layers, loadEncoderLayer(w, fmt.Sprintf("mit.encoder.layers.%d", i),
			p, c.MITIntermediateSize, c.MITNumAttentionHeads, c.LayerNormEps, act))
	}
	return m
}

// forward maps frame embeddings [B·T, P] to video embeddings [B, P].
func (m *mit) forward(b Backend, ws Workspace, frames Mat, videos, t int, obs observer) Mat {
	hidden := ws.Alloc(frames.Rows, frames.Cols)
	b.Copy(hidden, frames)
	b.Add(hidden, m.positionEmbedding)
	for i := range m.layers {
		m.layers[i].forward(b, ws, hidden, videos, t, false, nil)
	}
	b.Add(hidden, frames)
	observe(obs, "mit_last_hidden", hidden)
	pooled := ws.Alloc(videos, frames.Cols)
	b.MeanFrames(pooled, hidden, videos, t, 1, 1)
	return pooled
}
