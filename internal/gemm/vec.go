package gemm

import (
	"math"
)

// Element-wise kernels of the CPU backend: activations, LayerNorm, softmax and friends, on rows of
// float32. Where the active kernel has them (avx2 and avx512 kernels: AVX2+FMA), the bulk of each row,
// a multiple of 8 floats, runs in assembly (vec_amd64.s) and the rest in Go; the generic kernel runs
// everything in Go. Both compute the same formulas (exp as Cephes' expf, erf by Abramowitz–Stegun
// 7.1.26), so results agree to a few ulp across kernels.

// Activation is an element-wise function that Linear can apply to its output (LinearEpilogue).
type Activation uint8

const (
	ActNone      Activation = iota
	ActQuickGELU            // x·σ(1.702x) (CLIP's quick_gelu)
	ActGELU                 // 0.5·x·(1 + erf(x/√2)) (nn.GELU(); erf accurate to 1.5e-7)
	ActGELUTanh             // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) (gelu_new)
	ActReLU                 // max(x, 0)
)

// useVec reports whether the active kernel runs the element-wise kernels in assembly.
func useVec() bool { return haveVecASM && active().vec }

// bulk is the part of n that the assembly kernels take: a multiple of 8.
func bulk(n int) int { return n &^ 7 }

// Activate applies act to every element of x in place.
func Activate(x []float32, act Activation) { activateRow(x, act, useVec()) }

func activateRow(x []float32, act Activation, vec bool) { activate2D(x, len(x), 1, len(x), act, vec) }

// activate2D applies act to rows rows of cols floats, ld apart, from x[0].
func activate2D(x []float32, ld, rows, cols int, act Activation, vec bool) {
	if rows == 0 || cols == 0 || act == ActNone {
		return
	}
	_ = x[(rows-1)*ld+cols-1]
	n := 0
	if vec {
		if n = bulk(cols); n > 0 {
			switch act {
			case ActQuickGELU:
				vQuickGELU(&x[0], n, ld, rows)
			case ActGELU:
				vGELU(&x[0], n, ld, rows)
			case ActGELUTanh:
				vGELUTanh(&x[0], n, ld, rows)
			case ActReLU:
				vReLU(&x[0], n, ld, rows)
			}
		}
	}
	if n < cols {
		for r := 0; r < rows; r++ {
			activateGo(x[r*ld+n:r*ld+cols], act)
		}
	}
}

func activateGo(x []float32, act Activation) {
	switch act {
	case ActQuickGELU:
		for i, v := range x {
			x[i] = v / (1 + expf(-1.702*v))
		}
	case ActGELU:
		for i, v := range x {
			x[i] = geluf(v)
		}
	case ActGELUTanh:
		for i, v := range x {
			u := v * v * 0.044715
			u = u*v + v
			x[i] = v / (1 + expf(-2*0.7978845608028654*u))
		}
	case ActReLU:
		for i, v := range x {
			x[i] = max(v, 0)
		}
	}
}

// Cephes expf constants (see EXPF in vec_amd64.s).
const (
	expHi = 88.0
	expLo = -87.33654 // ln(2⁻¹²⁶): 2ⁿ stays a normal float
	log2e = 1.44269504088896341
	expC1 = 0.693359375
	expC2 = -2.12194440e-4
	expP0 = 1.9875691500e-4
	expP1 = 1.3981999507e-3
	expP2 = 8.3334519073e-3
	expP3 = 4.1665795894e-2
	expP4 = 1.6666665459e-1
	expP5 = 5.0000001201e-1
)

// expf is exp in float32, within 2 ulp for x in [expLo, expHi]; x is clamped to that range (NaN stays NaN).
func expf(x float32) float32 {
	if x != x {
		return x
	}
	x = min(max(x, expLo), expHi)
	t := x * log2e
	const round = 12582912 // 1.5·2²³: (t + round) - round rounds t to nearest even
	n := (t + round) - round
	r := x - n*expC1
	r = r - n*expC2
	p := float32(expP0)
	p = p*r + expP1
	p = p*r + expP2
	p = p*r + expP3
	p = p*r + expP4
	p = p*r + expP5
	y := p*(r*r) + r + 1
	return y * math.Float32frombits(uint32(int32(n)+127)<<23)
}

// geluf is 0.5·x·(1 + erf(x/√2)) with erf from Abramowitz–Stegun 7.1.26.
func geluf(x float32) float32 {
	z := float32(math.Abs(float64(x))) * 0.7071067811865476
	t := 1 / (1 + 0.3275911*z)
	p := float32(1.061405429)
	p = p*t + -1.453152027
	p = p*t + 1.421413741
	p = p*t + -0.284496736
	p = p*t + 0.254829592
	p *= t
	erf := 1 - p*expf(-(z*z))
	if x < 0 {
		erf = -erf
	}
	return 0.5 * x * (1 + erf)
}

// Add does y[i] += x[i] for i < len(y) (len(x) >= len(y)).
func Add(y, x []float32) { addRow(y, x, useVec()) }

func addRow(y, x []float32, vec bool) {
	x = x[:len(y)]
	n := 0
	if vec {
		if n = bulk(len(y)); n > 0 {
			vAdd(&y[0], &x[0], n)
		}
	}
	for i := n; i < len(y); i++ {
		y[i] += x[i]
	}
}

// Mul does y[i] *= x[i] for i < len(y) (len(x) >= len(y)).
func Mul(y, x []float32) {
	x = x[:len(y)]
	n := 0
	if useVec() {
		if n = bulk(len(y)); n > 0 {
			vMul(&y[0], &x[0], n)
		}
	}
	for i := n; i < len(y); i++ {
		y[i] *= x[i]
	}
}

// Scale does x[i] *= s.
func Scale(x []float32, s float32) {
	n := 0
	if useVec() {
		if n = bulk(len(x)); n > 0 {
			vScale(&x[0], n, s)
		}
	}
	for i := n; i < len(x); i++ {
		x[i] *= s
	}
}

// Sum returns Σ x[i] (summed in float32, in several partial sums).
func Sum(x []float32) float32 {
	n := 0
	var s float32
	if useVec() {
		if n = bulk(len(x)); n > 0 {
			s = vSum(&x[0], n)
		}
	} else {
		var s0, s1, s2, s3 float32
		for ; n+4 <= len(x); n += 4 {
			s0 += x[n]
			s1 += x[n+1]
			s2 += x[n+2]
			s3 += x[n+3]
		}
		s = (s0 + s1) + (s2 + s3)
	}
	for _, v := range x[n:] {
		s += v
	}
	return s
}

// Dot returns Σ a[i]·b[i] for i < len(a) (len(b) >= len(a)).
func Dot(a, b []float32) float32 {
	b = b[:len(a)]
	n := 0
	var s float32
	if useVec() {
		if n = bulk(len(a)); n > 0 {
			s = vDot(&a[0], &b[0], n)
		}
	} else {
		var s0, s1, s2, s3 float32
		for ; n+4 <= len(a); n += 4 {
			s0 += a[n] * b[n]
			s1 += a[n+1] * b[n+1]
			s2 += a[n+2] * b[n+2]
			s3 += a[n+3] * b[n+3]
		}
		s = (s0 + s1) + (s2 + s3)
	}
	for i := n; i < len(a); i++ {
		s += a[i] * b[i]
	}
	return s
}

// Max returns the largest element of x (-Inf for an empty x).
func Max(x []float32) float32 {
	m := float32(math.Inf(-1))
	n := 0
	if useVec() {
		if n = bulk(len(x)); n > 0 {
			m = vMax(&x[0], n)
		}
	}
	for _, v := range x[n:] {
		m = max(m, v)
	}
	return m
}

func sumSqDev(x []float32, mean float32) float32 {
	n := 0
	var s float32
	if useVec() {
		if n = bulk(len(x)); n > 0 {
			s = vSumSqDev(&x[0], n, mean)
		}
	} else {
		var s0, s1, s2, s3 float32
		for ; n+4 <= len(x); n += 4 {
			d0, d1, d2, d3 := x[n]-mean, x[n+1]-mean, x[n+2]-mean, x[n+3]-mean
			s0 += d0 * d0
			s1 += d1 * d1
			s2 += d2 * d2
			s3 += d3 * d3
		}
		s = (s0 + s1) + (s2 + s3)
	}
	for _, v := range x[n:] {
		d := v - mean
		s += d * d
	}
	return s
}

// LayerNorm normalises one row: y = (x - mean(x))/sqrt(var(x) + eps)·g + b (biased variance, two
// passes). y may be x; g and b have at least len(x) elements.
func LayerNorm(y, x, g, b []float32, eps float32) {
	cols := len(x)
	if cols == 0 {
		return
	}
	y, g, b = y[:cols], g[:cols], b[:cols]
	mean := Sum(x) / float32(cols)
	variance := sumSqDev(x, mean) / float32(cols)
	inv := float32(1 / math.Sqrt(float64(variance)+float64(eps)))
	n := 0
	if useVec() {
		if n = bulk(cols); n > 0 {
			vNorm(&y[0], &x[0], &g[0], &b[0], n, mean, inv)
		}
	}
	for i := n; i < cols; i++ {
		y[i] = (x[i]-mean)*inv*g[i] + b[i]
	}
}

// Softmax replaces x by softmax(scale·x) (scale > 0). Elements equal to -Inf get weight 0 (masked
// keys); if all are -Inf, x becomes all zeros.
func Softmax(x []float32, scale float32) {
	if len(x) == 0 {
		return
	}
	m := Max(x)
	if math.IsInf(float64(m), -1) {
		clear(x)
		return
	}
	shift := m * scale
	n := 0
	var sum float32
	if useVec() {
		if n = bulk(len(x)); n > 0 {
			sum = vExpSum(&x[0], n, scale, shift)
		}
	}
	for i := n; i < len(x); i++ {
		t := x[i]*scale - shift
		e := float32(0)
		if t >= expLo {
			e = expf(t)
		}
		x[i] = e
		sum += e
	}
	Scale(x, 1/sum)
}
