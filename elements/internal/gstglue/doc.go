// Package gstglue holds the element-independent cgo glue of the plugin's elements (xclipfilter,
// xclipmetapublish): GValue access for property trampolines, GParamSpec installers, element state and
// error/warning messages, debug logging. It is Go, not C, at its surface so that no C symbol is shared
// across packages: every pointer it takes (GObject class, GValue, GstElement, GstDebugCategory) is an
// unsafe.Pointer, and each element keeps in its own C only what is its own (property trampolines that
// call its Go exports, enum GTypes, debug category, vfuncs). None of these functions keeps a Go pointer.
package gstglue
