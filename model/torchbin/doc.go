// Package torchbin reads PyTorch checkpoints (pytorch_model.bin) without executing them.
//
// torch.save (PyTorch >= 1.6) writes a zip archive: <name>/data.pkl, a pickle of the state dict, and
// <name>/data/<key>, the raw elements of each storage, stored uncompressed (plus version, byteorder).
// Unpickling with Python runs whatever the pickle names, so a downloaded .bin is code. This package
// has its own unpickler for the opcodes of protocols 2-5 that builds plain values and accepts only the
// globals a state dict needs:
//
//	collections.OrderedDict
//	torch._utils._rebuild_tensor_v2, _rebuild_tensor, _rebuild_parameter
//	torch.FloatStorage, HalfStorage, BFloat16Storage, DoubleStorage, LongStorage, IntStorage,
//	ShortStorage, CharStorage, ByteStorage, BoolStorage (via persistent ids
//	('storage', StorageType, key, location, numel))
//
// Any other global is refused before anything is built ("refusing to load global os.system: only a
// state dict's classes are allowed"). Everything a file claims is bounded before it is used: the
// pickle's size, stack, memo, MARK nesting and number of values; tensor ranks, shapes, strides and
// offsets (each view must lie inside its storage, each storage inside its zip entry, and the entry
// inside the file); integers that do not fit int64. A violation is an error naming the file and the
// tensor or opcode offset, never a panic or an allocation the file's real size does not back.
//
// Tensors are read with ReadAt from where their storage lies in the archive, converted to float32 chunk
// by chunk (F32, F16, BF16, F64; either byte order), so loading holds no second copy of the file.
// Strided (non-row-major) views are gathered. The legacy pre-1.6 format (a bare pickle stream) is
// recognised and refused.
package torchbin
