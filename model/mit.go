package model

import "fmt"

// mit is XCLIPMultiframeIntegrationTransformer (the paper's §3.2 multi-frame integration transformer):
// a small transformer over the T projected frame embeddings of a video, whose output is mean-pooled into
// the video embedding. Its residual skips the position embedding: out = encoder(x + pos) + x.
type mit struct {
	positionEmbedding []float32 // [T, P]
	layers            []encoderLayer
}

func loadMIT(w *weights, c VisionConfig) *mit {
	p := c.MITHiddenSize
	m := &mit{positionEmbedding: w.get("mit.position_embedding", 1, c.NumFrames, p)}
	act, _ := activation(c.HiddenAct)
	for i := range c.MITNumHiddenLayers {
		m.layers = append(m.layers, loadEncoderLayer(w, fmt.Sprintf("mit.encoder.layers.%d", i),
			p, c.MITIntermediateSize, c.MITNumAttentionHeads, c.LayerNormEps, act))
	}
	return m
}

// forward maps frame embeddings [B, T, P] to video embeddings [B, P]; lastHidden ([B, T, P], after the
// residual) is returned for tests.
func (m *mit) forward(b Backend, frames []float32, videos, t int) (pooled, lastHidden []float32) {
	p := len(m.positionEmbedding) / t
	h := make([]float32, len(frames))
	for v := range videos {
		for i := range t {
			row := h[(v*t+i)*p : (v*t+i+1)*p]
			copy(row, frames[(v*t+i)*p:])
			addInto(row, m.positionEmbedding[i*p:(i+1)*p])
		}
	}
	for i := range m.layers {
		m.layers[i].forward(b, h, videos, t, false, nil)
	}
	addInto(h, frames)
	pooled = make([]float32, videos*p)
	for v := range videos {
		meanRows(pooled[v*p:(v+1)*p], h[v*t*p:], t, p)
	}
	return pooled, h
}

// meanRows writes the mean of rows×cols x into dst[cols].
func meanRows(dst, x []float32, rows, cols int) {
	acc := make([]float64, cols)
	for r := range rows {
		for j, v := range x[r*cols : (r+1)*cols] {
			acc[j] += float64(v)
		}
	}
	for j := range dst {
		dst[j] = float32(acc[j] / float64(rows))
	}
}
