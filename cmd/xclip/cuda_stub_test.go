//go:build !cuda

package main

import (
	"errors"
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
	if _, err := newBackend("cpu", 1, "bf16"); err == nil {
		t.Error("--dtype bf16 on the CPU accepted")
	}
	if _, err := newBackend("tpu", 1, ""); err == nil {
		t.Error("unknown device accepted")
	}
}
