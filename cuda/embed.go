package cuda

import (
	"embed"
	"path"
	"sort"
	"strings"
)

// The kernels, compiled by `make ptx` from kernels/*.cu: <name>.sm80.ptx (compute_80 PTX, compiled by
// the driver for the device at load) and <name>.sm90.cubin (sm_90 machine code for the H100/H200).
// Both are generated and committed, so that building needs no CUDA compiler.
//
//go:embed kernels/*.sm80.ptx kernels/*.sm90.cubin
var kernelFiles embed.FS

type module struct {
	name  string
	ptx   []byte
	cubin []byte // nil when absent
}

// embeddedModules lists the kernel modules, one per kernels/*.cu.
func embeddedModules() []module {
	ents, _ := kernelFiles.ReadDir("kernels")
	var mods []module
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".sm80.ptx")
		if !ok {
			continue
		}
		ptx, _ := kernelFiles.ReadFile(path.Join("kernels", e.Name()))
		cubin, err := kernelFiles.ReadFile(path.Join("kernels", name+".sm90.cubin"))
		if err != nil {
			cubin = nil
		}
		mods = append(mods, module{name: name, ptx: ptx, cubin: cubin})
	}
	sort.Slice(mods, func(i, j int) bool { return mods[i].name < mods[j].name })
	return mods
}
