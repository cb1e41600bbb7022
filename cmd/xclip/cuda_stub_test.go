//go:build !cuda

package main

import (
	"errors"
	"strings"
	"testing"
)

func TestNewBackendWithoutCUDA(t *testing.T) {
	if _, err := newBackend("cuda", 0, ""); !errors.Is(err, errNoCUDA) {
		t.Errorf("--device cuda: %v, want %v", err, errNoCUDA)
	}
	for _, d := range []string{"cpu", "auto", ""} {
		b, err := newBackend(d, 1, "")
		if err != nil || b == nil {
			t.Errorf("--device %q: %v", d, err)
		}
	}
	if b, err := newBackend("cpu", 1, "bf16"); err != nil || !strings.HasSuffix(b.Name(), "/bf16") {
		t.Errorf("--dtype bf16 on the CPU: %v", err)
	}
	if _, err := newBackend("cpu", 1, "fp16"); err == nil || !strings.Contains(err.Error(), "fp16") {
		t.Errorf("--dtype fp16 on the CPU: %v, want an error naming fp16", err)
	}
	if _, err := newBackend("tpu", 1, ""); err == nil {
		t.Error("unknown device accepted")
	}
}
