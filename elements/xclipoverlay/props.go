package xclipoverlay

/*
#include <stdlib.h>
#include "overlay.h"
*/
import "C"

import (
	"fmt"
	"image/color"
	"runtime/debug"
	"unsafe"

	"github.com/xclipfilter/xclipfilter/elements/internal/gstglue"
)

// Values of the position property.
const (
	positionTopLeft     = C.XOV_POSITION_TOP_LEFT
	positionTopRight    = C.XOV_POSITION_TOP_RIGHT
	positionBottomLeft  = C.XOV_POSITION_BOTTOM_LEFT
	positionBottomRight = C.XOV_POSITION_BOTTOM_RIGHT
)

// Defaults of the properties.
const (
	defaultTopK       = 3
	defaultPosition   = positionTopLeft
	defaultFontScale  = 0 // auto
	defaultShowEvents = true
	defaultHold       = 0.0        // seconds; until the next result
	defaultColor      = 0xA0000000 // ARGB: black, 63% opaque
	defaultTextColor  = 0xFFFFFFFF // ARGB: opaque white
	maxHold           = 86400.0
)

// settings are the property values; element.mu guards them. Comparable: a change of any of them
// redraws the overlay.
type settings struct {
	topK, position, fontScale int
	showEvents                bool
	hold                      float64 // seconds
	color, textColor          uint32  // ARGB
}

func defaultSettings() settings {
	return settings{topK: defaultTopK, position: defaultPosition, fontScale: defaultFontScale,
		showEvents: defaultShowEvents, hold: defaultHold, color: defaultColor, textColor: defaultTextColor}
}

// argb converts a property's 0xAARRGGBB to a colour.
func argb(v uint32) color.NRGBA {
	return color.NRGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: uint8(v >> 24)}
}

type propKind int

const (
	propUint propKind = iota
	propBool
	propDouble
	propPosition
)

// property describes one property for installation. Every property may change in PLAYING: the next
// frame is drawn with it.
type property struct {
	id         uint
	name, nick string
	blurb      string
	kind       propKind
	min, max   float64
	def        any
}

// properties, in the order of the ids in overlay.h.
var properties = []property{
	{id: C.XOV_PROP_TOP_K, name: "top-k", nick: "Top k", kind: propUint, min: 0, max: 100, def: uint(defaultTopK),
		blurb: "How many of the latest result's best labels are drawn, each with its score and a bar (ranked over " +
			"the scores of every label, whatever xclipfilter's own top-k and threshold); 0 draws the events only"},
	{id: C.XOV_PROP_POSITION, name: "position", nick: "Position", kind: propPosition, def: defaultPosition,
		blurb: "Corner of the frame the box is drawn in"},
	{id: C.XOV_PROP_FONT_SCALE, name: "font-scale", nick: "Font scale", kind: propUint, min: 0, max: 16, def: uint(defaultFontScale),
		blurb: "Integer magnification of the 7x13 pixel font (crisp at any size); 0: from the frame height, " +
			"1 below 600 lines, 2 for 720p, 3 for 1080p, 5 for 2160p"},
	{id: C.XOV_PROP_SHOW_EVENTS, name: "show-events", nick: "Show events", kind: propBool, def: defaultShowEvents,
		blurb: "Draw a line for every open xclip-event (a label's event that started and has not ended): the label, " +
			"its peak score and its start time, after a red disc"},
	{id: C.XOV_PROP_HOLD, name: "hold", nick: "Hold", kind: propDouble, min: 0, max: maxHold, def: defaultHold,
		blurb: "Seconds of running time a result stays drawn after the first frame that shows it; 0: until the " +
			"next result replaces it. Events stay until they end"},
	{id: C.XOV_PROP_COLOR, name: "color", nick: "Box color", kind: propUint, min: 0, max: 0xFFFFFFFF, def: uint(defaultColor),
		blurb: "Colour of the box behind the text, as 0xAARRGGBB (default 0xA0000000: black, 63% opaque; alpha 0: no box)"},
	{id: C.XOV_PROP_TEXT_COLOR, name: "text-color", nick: "Text color", kind: propUint, min: 0, max: 0xFFFFFFFF, def: uint(defaultTextColor),
		blurb: "Colour of the text and the score bars, as 0xAARRGGBB (default 0xFFFFFFFF: opaque white)"},
}

func installProperties(klass unsafe.Pointer) {
	flags := gstglue.ParamReadable | gstglue.ParamWritable | gstglue.ParamDocShowDefault | gstglue.ParamMutablePlaying
	for _, p := range properties {
		switch p.kind {
		case propUint:
			gstglue.InstallUint(klass, p.id, p.name, p.nick, p.blurb, uint(p.min), uint(p.max), p.def.(uint), flags)
		case propBool:
			gstglue.InstallBool(klass, p.id, p.name, p.nick, p.blurb, p.def.(bool), flags)
		case propDouble:
			gstglue.InstallDouble(klass, p.id, p.name, p.nick, p.blurb, p.min, p.max, p.def.(float64), flags)
		case propPosition:
			gstglue.InstallEnum(klass, p.id, p.name, p.nick, p.blurb, uintptr(C.xov_position_get_type()), p.def.(int), flags)
		}
	}
}

//export goXovSetProperty
func goXovSetProperty(obj *C.GObject, id C.guint, value *C.GValue) {
	e := elementOf(unsafe.Pointer(obj))
	if e == nil {
		return
	}
	defer func() {
		if p := recover(); p != nil {
			e.log(C.GST_LEVEL_ERROR, fmt.Sprintf("internal error setting property %d: %v\n%s", id, p, debug.Stack()))
		}
	}()
	gv := unsafe.Pointer(value)
	e.mu.Lock()
	defer e.mu.Unlock()
	s := &e.set
	switch uint(id) {
	case C.XOV_PROP_TOP_K:
		s.topK = int(gstglue.ValueUint(gv))
	case C.XOV_PROP_POSITION:
		s.position = gstglue.ValueEnum(gv)
	case C.XOV_PROP_FONT_SCALE:
		s.fontScale = int(gstglue.ValueUint(gv))
	case C.XOV_PROP_SHOW_EVENTS:
		s.showEvents = gstglue.ValueBool(gv)
	case C.XOV_PROP_HOLD:
		s.hold = gstglue.ValueDouble(gv)
	case C.XOV_PROP_COLOR:
		s.color = uint32(gstglue.ValueUint(gv))
	case C.XOV_PROP_TEXT_COLOR:
		s.textColor = uint32(gstglue.ValueUint(gv))
	}
}

//export goXovGetProperty
func goXovGetProperty(obj *C.GObject, id C.guint, value *C.GValue) {
	e := elementOf(unsafe.Pointer(obj))
	if e == nil {
		return
	}
	defer func() {
		if p := recover(); p != nil {
			e.log(C.GST_LEVEL_ERROR, fmt.Sprintf("internal error reading property %d: %v", id, p))
		}
	}()
	gv := unsafe.Pointer(value)
	e.mu.Lock()
	s := e.set
	e.mu.Unlock()
	switch uint(id) {
	case C.XOV_PROP_TOP_K:
		gstglue.SetValueUint(gv, uint(s.topK))
	case C.XOV_PROP_POSITION:
		gstglue.SetValueEnum(gv, s.position)
	case C.XOV_PROP_FONT_SCALE:
		gstglue.SetValueUint(gv, uint(s.fontScale))
	case C.XOV_PROP_SHOW_EVENTS:
		gstglue.SetValueBool(gv, s.showEvents)
	case C.XOV_PROP_HOLD:
		gstglue.SetValueDouble(gv, s.hold)
	case C.XOV_PROP_COLOR:
		gstglue.SetValueUint(gv, uint(s.color))
	case C.XOV_PROP_TEXT_COLOR:
		gstglue.SetValueUint(gv, uint(s.textColor))
	}
}
