package gstglue

/*
#cgo pkg-config: gstreamer-1.0
#include "gstglue.h"
*/
import "C"

import "unsafe"

// GParamFlags of the elements' properties.
const (
	ParamReadable       = uint(C.G_PARAM_READABLE)
	ParamWritable       = uint(C.G_PARAM_WRITABLE)
	ParamMutableReady   = uint(C.GST_PARAM_MUTABLE_READY)
	ParamMutablePlaying = uint(C.GST_PARAM_MUTABLE_PLAYING)
	ParamDocShowDefault = uint(C.GST_PARAM_DOC_SHOW_DEFAULT)
)

// spec carries the strings every GParamSpec has, as C strings for the installers; free releases them
// once installed (GParamSpec copies nick and blurb, as there is no G_PARAM_STATIC_STRINGS, and interns
// the name).
type spec struct{ name, nick, blurb *C.char }

func newSpec(name, nick, blurb string) spec {
	return spec{C.CString(name), C.CString(nick), C.CString(blurb)}
}

func (s spec) free() {
	C.free(unsafe.Pointer(s.name))
	C.free(unsafe.Pointer(s.nick))
	C.free(unsafe.Pointer(s.blurb))
}

// InstallString installs a string property on the GObjectClass klass; def "" is a NULL default.
func InstallString(klass unsafe.Pointer, id uint, name, nick, blurb, def string, flags uint) {
	s := newSpec(name, nick, blurb)
	defer s.free()
	var cdef *C.char
	if def != "" {
		cdef = C.CString(def)
		defer C.free(unsafe.Pointer(cdef))
	}
	C.gstglue_install(klass, C.guint(id), C.g_param_spec_string(s.name, s.nick, s.blurb, cdef, C.GParamFlags(flags)))
}

// InstallUint installs a guint property.
func InstallUint(klass unsafe.Pointer, id uint, name, nick, blurb string, min, max, def uint, flags uint) {
	s := newSpec(name, nick, blurb)
	defer s.free()
	C.gstglue_install(klass, C.guint(id), C.g_param_spec_uint(s.name, s.nick, s.blurb, C.guint(min), C.guint(max),
		C.guint(def), C.GParamFlags(flags)))
}

// InstallUint64 installs a guint64 property.
func InstallUint64(klass unsafe.Pointer, id uint, name, nick, blurb string, min, max, def uint64, flags uint) {
	s := newSpec(name, nick, blurb)
	defer s.free()
	C.gstglue_install(klass, C.guint(id), C.g_param_spec_uint64(s.name, s.nick, s.blurb, C.guint64(min),
		C.guint64(max), C.guint64(def), C.GParamFlags(flags)))
}

// InstallDouble installs a gdouble property.
func InstallDouble(klass unsafe.Pointer, id uint, name, nick, blurb string, min, max, def float64, flags uint) {
	s := newSpec(name, nick, blurb)
	defer s.free()
	C.gstglue_install(klass, C.guint(id), C.g_param_spec_double(s.name, s.nick, s.blurb, C.gdouble(min),
		C.gdouble(max), C.gdouble(def), C.GParamFlags(flags)))
}

// InstallBool installs a gboolean property.
func InstallBool(klass unsafe.Pointer, id uint, name, nick, blurb string, def bool, flags uint) {
	s := newSpec(name, nick, blurb)
	defer s.free()
	C.gstglue_install(klass, C.guint(id), C.g_param_spec_boolean(s.name, s.nick, s.blurb, gbool(def), C.GParamFlags(flags)))
}

// InstallEnum installs an enum property of the enum GType gtype (registered by the element's C).
func InstallEnum(klass unsafe.Pointer, id uint, name, nick, blurb string, gtype uintptr, def int, flags uint) {
	s := newSpec(name, nick, blurb)
	defer s.free()
	C.gstglue_install(klass, C.guint(id), C.g_param_spec_enum(s.name, s.nick, s.blurb, C.GType(gtype), C.gint(def),
		C.GParamFlags(flags)))
}
