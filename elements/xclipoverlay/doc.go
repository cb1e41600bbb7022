// Package xclipoverlay is the xclipoverlay GStreamer element: it draws xclipfilter's results onto the
// video it passes — the latest window's best labels with their scores, and the label events that are
// open — in the spirit of DLStreamer's gvawatermark and DeepStream's on-screen display.
//
// # Quick start
//
// Build the plugin (make plugin → bin/libgstxclip.so, which holds every element) and place the element
// after xclipfilter:
//
//	GST_PLUGIN_PATH=$PWD/bin gst-launch-1.0 filesrc location=video.mp4 ! decodebin ! videoconvert ! \
//	    xclipfilter model=microsoft/xclip-base-patch32 labels="a fall;a fight;nobody" ! \
//	    xclipoverlay ! videoconvert ! autovideosink
//
// examples/pipelines/overlay.sh shows it in a window, or writes an H.264 MP4 with OUT=file.mp4.
//
// # What it draws
//
// A box (color, default black at 63% opacity) in a corner (position, default top-left), 4·scale
// pixels from the edges, holding one line per label of the latest "xclip" result, best first: a bar as
// long as the score (text-color; a full bar is a score of 1), the score with two decimals and the
// label, e.g. "0.91 a fall". top-k (default 3) says how many; they are ranked over the scores of every
// label, so xclipfilter's own top-k and threshold do not limit them. With show-events (default on),
// a line follows for every open "xclip-event" (a label's event that started and has not yet ended), after
// a red disc: the label, the event's peak score and its start as stream time (else running time),
// e.g. "a fall 0.91 since 01:02:03". A result stays until the next one replaces it, or for hold seconds
// of running time from the first frame that shows it; an event stays from its "started" event to its
// "ended" one. With nothing to show, nothing is drawn.
//
// Text is X11's misc-fixed 7×13 bitmap font (golang.org/x/image/font/basicfont; Latin-1, other
// characters as the replacement glyph; at most 48 characters a line), magnified by an integer
// font-scale with nearest neighbour so that it stays crisp; font-scale=0 (the default) picks it from
// the frame height: 1 below 600 lines, 2 for 720p, 3 for 1080p, 5 for 2160p.
//
// # Where the results come from
//
// xclipfilter pushes every result downstream as a serialized custom event "xclip" before the first
// buffer that leaves after the result is ready, and its label events as "xclip-event" custom events
// (see the xclipfilter package). xclipoverlay reads those events (and forwards them unchanged), so it
// may sit anywhere downstream of xclipfilter, after a videoconvert or a queue as well; the frames it
// draws on are those that follow the event. The region-of-interest meta of attach-meta is not needed.
// Several xclipfilter elements upstream (one after the other): the latest result of any is drawn, and
// the events of all, told apart by label and source.
//
// # Formats
//
// video/x-raw in RGB, BGR, RGBA, BGRA, ARGB, ABGR, RGBx, BGRx, xRGB, xBGR, I420, YV12, Y42B, Y444, NV12,
// NV21 and GRAY8 (xclipfilter's own formats among them), any size and rate; strides, plane offsets and
// GstVideoMeta are honoured (gst_video_frame_map). The box is drawn in the frame's own format, in
// place: each component sample becomes (src·(255−a) + v·a) / 255, rounded, where v is the box's colour
// in that component (for YUV, from the caps' colour matrix and range, as GStreamer converts) and a its
// alpha; a subsampled chroma sample takes the mean over the pixels it covers. Alpha channels are left
// as they are. While there is nothing to draw the element is in passthrough: buffers are not made
// writable, so nothing is copied.
//
// # Properties
//
//	top-k        uint     0-100, default 3: labels drawn from the latest result (0: events only)
//	position     enum     top-left (default), top-right, bottom-left, bottom-right
//	font-scale   uint     0-16, default 0: from the frame height
//	show-events  boolean  default true: a line for every open label event
//	hold         double   seconds, 0-86400, default 0: a result stays until the next one
//	color        uint     0xAARRGGBB of the box, default 0xA0000000
//	text-color   uint     0xAARRGGBB of the text and bars, default 0xFFFFFFFF
//
// Every property may change in PLAYING: the next frame is drawn with it.
//
// # Threads
//
// Results and events arrive on the streaming thread, as serialized events, and update what is shown
// under a mutex that is held only for a copy; the streaming thread never waits for anything else. The
// box is rendered (font, bars, colour conversion) only when what is shown, a property or the caps
// change; every other frame only blends the rendered box, touching the box's pixels only.
//
// # In a Go application
//
//	gst.Init(nil)
//	xclipfilter.RegisterStatic()
//	xclipoverlay.RegisterStatic()
//	pipeline, _ := gst.NewPipelineFromString("videotestsrc ! xclipfilter model=... labels=... ! " +
//	    "xclipoverlay ! videoconvert ! autovideosink")
//
// Debug output: GST_DEBUG=xclipoverlay:5.
package xclipoverlay
