package model

import (
	"fmt"
	"math"
)

// layerNorm is nn.LayerNorm over the last dimension.
type layerNorm struct {
	weight, bias Mat // 1×D
	eps          float32
}

func (ln *layerNorm) forward(b Backend, y, x Mat) { b.LayerNorm(y, x, ln.weight, ln.bias, ln.eps) }

// activation maps a config's hidden_act to an Activation.
func activation(name string) (Activation, error) {
	switch name {
	case "quick_gelu":
		return ActQuickGELU, nil
	case "gelu":
		return ActGELU, nil
	case "gelu_new", "gelu_pytorch_tanh":
		return ActGELUTanh, nil
	case "relu":
		return ActReLU, nil
	}
	return ActNone, fmt.Errorf("unsupported activation %q (want quick_gelu, gelu, gelu_new or relu)", name)
}

// selfAttention is CLIP/X-CLIP's XCLIPAttention: q, k and v projections (fused here into one Linear of
// 3·D outputs, so one GEMM reads the input once), scaled dot-product attention, out_proj.
type selfAttention struct {
	qkv, out Linear
	heads    int
}

// forward computes y = attention(x) + residual over seqs sequences of l rows (x, y: [seqs·l, D]).
func (a *selfAttention) forward(b Backend, ws Workspace, y, x Mat, residual *Mat, seqs, l int, causal bool, keyMask []int) {
	d := x.Cols
	qkv := allocOut(ws, x.Rows, 3*d) // q | k | v
	a.qkv.Forward(qkv, x, Epilogue{})
	ctx := allocOut(ws, x.Rows, d)
	hd := d / a.heads
	b.Attention(ctx, qkv.Columns(0, d), qkv.Columns(d, 2*d), qkv.Columns(2*d, 3*d), AttentionShape{
		Seqs: seqs, Lq: l, Lk: l, Heads: a.heads, HeadDim: hd,
		Scale: float32(1 / math.Sqrt(float64(hd))), Causal: causal, KeyMask: keyMask,
	})
	a.out.Forward(y, ctx, Epilogue{Residual: residual})
}

// mlp is fc1 → activation → fc2.
type mlp struct {
	fc1, fc2 Linear
	act      Activation
}

// forward computes y = fc2(act(fc1(x))) + residual.
func (m *mlp) forward(ws Workspace, y, x Mat, residual *Mat) {
	inner, _ := m.fc1.Dims()
	h := allocOut(ws, x.Rows, inner)
	m.fc1.Forward(h, x, Epilogue{Act: m.act})
	m.fc2.Forward(y, h, Epilogue{Residual: residual})
}

// encoderLayer is XCLIPEncoderLayer (pre-norm transformer block), used by the text encoder, the
// vision encoder (after its cross-frame step) and the MIT: x += attn(ln1(x)); x += mlp(ln2(x)).
type encoderLayer struct {
	layerNorm1, layerNorm2 layerNorm
	selfAttn               selfAttention
	mlp                    mlp
}

// forward updates x ([seqs·l, D]) in place.
func (e *encoderLayer) forward(b Backend, ws Workspace, x Mat, seqs, l int, causal bool, keyMask []int) {
	h := allocOut(ws, x.Rows, x.Cols)
	e.layerNorm1.forward(b, h, x)
	e.selfAttn.forward(b, ws, x, h, &x, seqs, l, causal, keyMask)
	e.layerNorm2.forward(b, h, x)
	e.mlp.forward(ws, x, h, &x)
}
