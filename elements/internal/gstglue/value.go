package gstglue

/*
#cgo pkg-config: gstreamer-1.0
#include <stdlib.h>
#include <glib-object.h>
*/
import "C"

import "unsafe"

// GValue access for the set_property/get_property trampolines: v is the GValue* GObject passed them,
// already holding the property's type. The values go through C, not go-glib, so that no Go finalizer
// ever owns a GValue that GObject owns.

func gv(v unsafe.Pointer) *C.GValue { return (*C.GValue)(v) }

// ValueString returns the string in v, "" for NULL.
func ValueString(v unsafe.Pointer) string {
	if s := C.g_value_get_string(gv(v)); s != nil {
		return C.GoString(s)
	}
	return ""
}

// SetValueString stores a copy of s in v.
func SetValueString(v unsafe.Pointer, s string) {
	cs := C.CString(s)
	C.g_value_set_string(gv(v), cs)
	C.free(unsafe.Pointer(cs))
}

// ValueUint returns the guint in v.
func ValueUint(v unsafe.Pointer) uint { return uint(C.g_value_get_uint(gv(v))) }

// SetValueUint stores u in v (a guint).
func SetValueUint(v unsafe.Pointer, u uint) { C.g_value_set_uint(gv(v), C.guint(u)) }

// ValueUint64 returns the guint64 in v.
func ValueUint64(v unsafe.Pointer) uint64 { return uint64(C.g_value_get_uint64(gv(v))) }

// SetValueUint64 stores u in v (a guint64).
func SetValueUint64(v unsafe.Pointer, u uint64) { C.g_value_set_uint64(gv(v), C.guint64(u)) }

// ValueDouble returns the gdouble in v.
func ValueDouble(v unsafe.Pointer) float64 { return float64(C.g_value_get_double(gv(v))) }

// SetValueDouble stores d in v (a gdouble).
func SetValueDouble(v unsafe.Pointer, d float64) { C.g_value_set_double(gv(v), C.gdouble(d)) }

// ValueBool returns the gboolean in v.
func ValueBool(v unsafe.Pointer) bool { return C.g_value_get_boolean(gv(v)) != 0 }

// SetValueBool stores b in v (a gboolean).
func SetValueBool(v unsafe.Pointer, b bool) { C.g_value_set_boolean(gv(v), gbool(b)) }

// ValueEnum returns the enum value in v.
func ValueEnum(v unsafe.Pointer) int { return int(C.g_value_get_enum(gv(v))) }

// SetValueEnum stores e in v (an enum).
func SetValueEnum(v unsafe.Pointer, e int) { C.g_value_set_enum(gv(v), C.gint(e)) }

func gbool(b bool) C.gboolean {
	if b {
		return 1
	}
	return 0
}
