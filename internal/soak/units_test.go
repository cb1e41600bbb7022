package soak

import (
	"strings"
	"testing"
	"time"
)

func TestParseVmRSS(t *testing.T) {
	status := "Name:\txclip\nVmPeak:\t  900 kB\nVmRSS:\t  123456 kB\nThreads:\t9\n"
	if got, err := parseVmRSS(strings.NewReader(status)); err != nil || got != 123456*1024 {
		t.Errorf("parseVmRSS = %d, %v; want %d", got, err, 123456*1024)
	}
	for _, bad := range []string{"Name:\tx\n", "VmRSS:\t12 MB\n", "VmRSS:\tlots kB\n"} {
		if _, err := parseVmRSS(strings.NewReader(bad)); err == nil {
			t.Errorf("parseVmRSS(%q): no error", bad)
		}
	}
	if v, err := RSS(); err != nil || v == 0 {
		t.Errorf("RSS() = %d, %v", v, err)
	}
}

func TestQuantileAndWindows(t *testing.T) {
	ms := time.Millisecond
	var d []time.Duration
	for i := 100; i >= 1; i-- {
		d = append(d, time.Duration(i)*ms)
	}
	if q := Quantile(d, 0.99); q != 99*ms {
		t.Errorf("p99 of 1..100 ms = %v, want 99ms", q)
	}
	if q := Quantile(d, 0.5); q != 50*ms {
		t.Errorf("p50 of 1..100 ms = %v, want 50ms", q)
	}
	if q := Quantile([]time.Duration{7 * ms}, 0.99); q != 7*ms {
		t.Errorf("p99 of one sample = %v", q)
	}
	if q := Quantile(nil, 0.99); q != -1 {
		t.Errorf("p99 of none = %v, want -1", q)
	}
	var l Lateness
	t0 := time.Unix(1000, 0)
	for i := range 100 {
		l.Add(t0.Add(time.Duration(i)*time.Second), time.Duration(i)*ms)
	}
	if p, n := l.P99(t0, t0.Add(50*time.Second)); n != 50 || p != 49*ms {
		t.Errorf("P99 of the first 50 s = %v over %d, want 49ms over 50", p, n)
	}
	if p, n := l.P99(t0.Add(200*time.Second), t0.Add(300*time.Second)); n != 0 || p != -1 {
		t.Errorf("P99 of an empty interval = %v over %d", p, n)
	}
	if m := l.Max(); m != 99*ms {
		t.Errorf("Max = %v", m)
	}
}
