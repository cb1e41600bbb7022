package model

import (
	"fmt"
	"math"
)

// layerNorm is nn.LayerNorm over the last dimension.
type layerNorm struct {
	weight, bias []float32
	eps          float64
}

// forward normalises rows of x (dim columns, row stride ldx) into y (row stride ldy); y may alias x.
func (ln *layerNorm) forward(b Backend, y []float32, ldy int, x []float32, ldx, rows int) {
	dim := len(ln.weight)
	b.Parallel(rows, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			xr := x[r*ldx : r*ldx+dim]
			yr := y[r*ldy : r*ldy+dim]
			var mean float64
			for _, v := range xr {
				mean += float64(v)
			}
			mean /= float64(dim)
			var variance float64
			for _, v := range xr {
				d := float64(v) - mean
				variance += d * d
			}
			variance /= float64(dim)
			inv := 1 / math.Sqrt(variance+ln.eps)
			for i, v := range xr {
				yr[i] = float32((float64(v)-mean)*inv)*ln.weight[i] + ln.bias[i]
			}
		}
	})
}

// activation returns the element-wise function a config's hidden_act names.
func activation(name string) (func(float32) float32, error) {
	switch name {
	case "quick_gelu":
		return quickGELU, nil
	case "gelu":
		return gelu, nil
	case "gelu_new", "gelu_pytorch_tanh":
		return geluTanh, nil
	case "relu":
		return relu, nil
	}
	return nil, fmt.Errorf("unsupported activation %q (want quick_gelu, gelu, gelu_new or relu)", name)
}

// quickGELU is CLIP's x·σ(1.702x), the activation OpenAI trained with.
func quickGELU(x float32) float32 {
	return float32(float64(x) / (1 + math.Exp(-1.702*float64(x))))
}

// gelu is the exact erf form (nn.GELU()).
func gelu(x float32) float32 {
	return float32(0.5 * float64(x) * (1 + math.Erf(float64(x)/math.Sqrt2)))
}

// geluTanh is the tanh approximation (gelu_new).
func geluTanh(x float32) float32 {
	v := float64(x)
	return float32(0.5 * v * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(v+0.044715*v*v*v))))
}

func relu(x float32) float32 { return max(x, 0) }

// applyAct applies act in place to rows×cols of x.
func applyAct(b Backend, act func(float32) float32, x []float32, rows, cols int) {
	b.Parallel(rows, func(lo, hi int) {
		seg := x[lo*cols : hi*cols]
		for i, v := range seg {
			seg[i] = act(v)
		}
	})
}

// addInto adds src to dst element-wise (residual connections).
func addInto(dst, src []float32) {
	for i, v := range src {
		dst[i] += v
	}
}

// selfAttention is CLIP/X-CLIP's XCLIPAttention: q, k and v projections (fused here into one Linear of
// 3·D outputs, so one GEMM reads the input once), scaled dot-product attention, out_proj.
type selfAttention struct {
	qkv, out Linear
	heads    int
}

// forward writes attention of x ([seqs·L, D]) into y ([seqs·L, D]).
func (a *selfAttention) forward(b Backend, y, x []float32, seqs, l int, causal bool, keyMask []int) {
	d, _ := a.out.Dims()
	rows := seqs * l
	qkv := make([]float32, rows*3*d) // [rows, 3D]: q | k | v
	a.qkv.Forward(qkv, 3*d, x, d, rows)
	ctx := make([]float32, rows*d)
	hd := d / a.heads
	b.Attention(ctx, d, qkv, 3*d, qkv[d:], 3*d, qkv[2*d:], 3*d, AttentionShape{
		Seqs: seqs, Lq: l, Lk: l, Heads: a.heads, HeadDim: hd,
		Scale: float32(1 / math.Sqrt(float64(hd))), Causal: causal, KeyMask: keyMask,
	})
	a.out.Forward(y, d, ctx, d, rows)
}

// mlp is fc1 → activation → fc2.
type mlp struct {
	fc1, fc2 Linear
	act      func(float32) float32
}

func (m *mlp) forward(b Backend, y, x []float32, rows int) {
	inner, d := m.fc1.Dims()
	h := make([]float32, rows*inner)
	m.fc1.Forward(h, inner, x, d, rows)
	applyAct(b, m.act, h, rows, inner)
	m.fc2.Forward(y, d, h, inner, rows)
}

// encoderLayer is XCLIPEncoderLayer (pre-norm transformer block), used by the text encoder and the MIT:
// x += attn(ln1(x)); x += mlp(ln2(x)).
type encoderLayer struct {
	layerNorm1, layerNorm2 layerNorm
	selfAttn               selfAttention
	mlp                    mlp
}

// forward updates x ([seqs·L, D]) in place.
func (e *encoderLayer) forward(b Backend, x []float32, seqs, l int, causal bool, keyMask []int) {
	d := len(e.layerNorm1.weight)
	rows := seqs * l
	h := make([]float32, rows*d)
	e.layerNorm1.forward(b, h, d, x, d, rows)
	e.selfAttn.forward(b, h, h, seqs, l, causal, keyMask)
	addInto(x, h)
	e.layerNorm2.forward(b, h, d, x, d, rows)
	e.mlp.forward(b, h, h, rows)
	addInto(x, h)
}
