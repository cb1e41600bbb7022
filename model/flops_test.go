package model

import (
	"math"
	"testing"
)

// TestWindowFLOPs checks the count for xclip-base-patch32 (8 frames, 8 labels) against a hand count.
func TestWindowFLOPs(t *testing.T) {
	cfg := DefaultConfig()
	const (
		frames, d, inner, np, p, labels = 8.0, 768.0, 3072.0, 49.0, 512.0, 8.0
	)
	patch := 2 * frames * np * 3 * 32 * 32 * d
	msg := 2*frames*d*d*5 + 4*frames*frames*d
	self := 2*frames*51*d*3*d + frames*4*51*51*d + 2*frames*51*d*d + 2*2*frames*50*d*inner
	vision := patch + 12*(msg+self)
	mit := 2*frames*p*3*p + 4*frames*frames*p + 2*frames*p*p + 2*2*frames*p*2048
	prompts := 2*np*d*p + 2*(2*np*p*2*p+2*labels*p*p+4*labels*np*p+2*labels*p*p+2*2*labels*p*4*p)
	want := vision + 2*frames*d*p + mit + prompts + 2*labels*p
	got := WindowFLOPs(cfg, labels)
	if math.Abs(got-want) > 1e-9*want {
		t.Errorf("WindowFLOPs = %.6g, want %.6g", got, want)
	}
	if got < 71e9 || got > 73e9 {
		t.Errorf("WindowFLOPs = %.4g GFLOP, expected about 72 for base-patch32", got/1e9)
	}
	t.Logf("base-patch32, 8 frames, 8 labels: %.2f GFLOP per window", got/1e9)

	text := TextFLOPs(cfg, 8, 8)
	wantText := 12*(2*64*512*1536+8*4*8*8*512+2*64*512*512+2*2*64*512*2048) + 2*8*512*512.0
	if math.Abs(text-wantText) > 1e-9*wantText {
		t.Errorf("TextFLOPs = %.6g, want %.6g", text, wantText)
	}
}
