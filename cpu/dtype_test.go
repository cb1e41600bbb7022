package cpu

import "testing"

// TestParseDType: auto (and "") follow the CPU's precision=auto rule (AutoBF16: bf16 with AMX only),
// fp32 and bf16 are themselves, anything else is an error naming the value.
func TestParseDType(t *testing.T) {
	auto, why := AutoBF16()
	if why == "" {
		t.Error("AutoBF16 gives no reason")
	}
	if ok, _ := AMXStatus(); auto != ok {
		t.Errorf("AutoBF16() = %v with AMX %v: auto means bf16 exactly where AMX runs", auto, ok)
	}
	for s, want := range map[string]bool{"auto": auto, "": auto, "fp32": false, "float32": false, "bf16": true, "bfloat16": true} {
		got, err := ParseDType(s)
		if err != nil || got != want {
			t.Errorf("ParseDType(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	if _, err := ParseDType("fp8"); err == nil {
		t.Error("ParseDType(fp8) succeeded")
	}
	t.Logf("precision=auto here: bf16 %v (%s)", auto, why)
}
