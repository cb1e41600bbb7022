// Package backend opens the model.Backend that a device, a precision and a thread budget name. It is
// the one place where their names are read and where "auto" is decided, for the xclipfilter element
// (device, precision and threads properties) and the command line (--device, --dtype, --threads):
//
//   - device auto (or ""): the GPU when one can be had (a CUDA build, -tags cuda, on a machine whose
//     driver opens a device), else the CPU; the note says which and why. cpu: the CPU. cuda: the GPU,
//     or an error saying why not (a build without CUDA, no device).
//   - precision auto (or ""): bf16 on a GPU and on CPUs with AMX-BF16, fp32 on other CPUs
//     (cpu.AutoBF16 says why); fp32; bf16; fp16 (GPU only).
//   - threads: the most threads one operation of the CPU backend uses. 0 is the default budget
//     (DefaultThreads), which leaves a core to the pipeline on machines of four cores or fewer.
package backend
