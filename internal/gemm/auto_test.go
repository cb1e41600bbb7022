package gemm

import "testing"

// TestAutoBF16 checks the precision=auto rule for every kernel, the hidden emulated ones standing in
// for the CPUs this machine is not: bf16 with AMX only.
func TestAutoBF16(t *testing.T) {
	want := map[string]bool{"amx": true, "emulated-amx": true, "avx512bf16": false, "emulated-avx512bf16": false,
		"avx512": false, "avx2": false, "generic": false}
	for _, k := range all {
		restore, err := UseKernel(k.name)
		if err != nil {
			t.Fatal(err)
		}
		got, why := AutoBF16()
		restore()
		w, ok := want[k.name]
		if !ok {
			t.Errorf("kernel %s: no expectation for precision=auto", k.name)
		}
		if got != w || why == "" {
			t.Errorf("kernel %s: AutoBF16() = %v (%q), want %v", k.name, got, why, w)
		}
	}
	if ok, why := AMXStatus(); !ok && why == "" {
		t.Error("AMXStatus gives no reason for AMX being off")
	} else if ok && Kernels()[0] != "amx" {
		t.Errorf("AMX usable but the best kernel is %s", Kernels()[0])
	}
}
