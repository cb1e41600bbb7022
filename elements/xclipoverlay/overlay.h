/* C side of the xclipoverlay element: what go-gst v1.4.0 does not expose (video frame mapping with
 * strides and component offsets, the colorimetry of the caps, the GstBaseTransform segment and
 * passthrough switch, chaining up to the parent class, enum properties). What every element needs
 * alike is Go in elements/internal/gstglue. Every function here is called from Go; none of them keeps a
 * Go pointer. The prefix xov_ keeps the symbols apart from the other elements' in the one
 * libgstxclip.so. */
#ifndef XOV_OVERLAY_H
#define XOV_OVERLAY_H

#include <gst/gst.h>
#include <gst/base/gstbasetransform.h>
#include <gst/video/video.h>

/* Property ids, in installation order (the Go table follows the same order). */
enum {
  XOV_PROP_0,
  XOV_PROP_TOP_K,
  XOV_PROP_POSITION,
  XOV_PROP_FONT_SCALE,
  XOV_PROP_SHOW_EVENTS,
  XOV_PROP_HOLD,
  XOV_PROP_COLOR,
  XOV_PROP_TEXT_COLOR,
};

/* Values of the position enum. */
enum {
  XOV_POSITION_TOP_LEFT = 0,
  XOV_POSITION_TOP_RIGHT = 1,
  XOV_POSITION_BOTTOM_LEFT = 2,
  XOV_POSITION_BOTTOM_RIGHT = 3,
};

/* Debug category "xclipoverlay". */
void xov_debug_init (void);
void *xov_debug_category (void);      /* for gstglue.Log */

/* Class setup. */
GType xov_position_get_type (void);
void xov_class_set_property_funcs (void *klass);
void xov_element_class_setup (void *klass, const char *longname, const char *klass_str,
    const char *description, const char *author, const char *caps, const char *events);

/* Element. */
void xov_transform_init (void *trans);
void xov_set_passthrough (void *trans, gboolean passthrough);
gboolean xov_is_passthrough (void *trans);
gboolean xov_parent_sink_event (void *trans, GstEvent * event);
GstEventType xov_event_type (GstEvent * event);
const GstStructure *xov_event_structure (GstEvent * event);     /* NULL when it has none */
guint64 xov_buffer_running_time (void *trans, GstBuffer * buf); /* GST_CLOCK_TIME_NONE when unknown */

/* Caps: what the Go side needs to know about a format to draw into it. */
typedef struct {
  int format;                   /* GstVideoFormat */
  int width, height;
  int n_comp;                   /* colour components drawn into: 3, or 1 for gray (alpha is left alone) */
  int yuv;                      /* the components are Y, U, V (else R, G, B, or Y alone for gray) */
  int depth8;                   /* every drawn component is 8 bits, one byte per sample */
  int w_sub[3], h_sub[3];       /* log2 of each component's subsampling */
  double kr, kb;                /* the colour matrix's Kr and Kb (BT.601 when it has none) */
  int offset[3], scale[3];      /* gst_video_color_range_offsets: Y and chroma offset and scale */
} XovFormat;
GstVideoInfo *xov_video_info_from_caps (GstCaps * caps);        /* NULL when the caps are not video */
void xov_video_info_free (GstVideoInfo * info);
void xov_video_info_describe (GstVideoInfo * info, XovFormat * out);

/* A mapped frame (read and write): each colour component's first byte, row stride, pixel stride,
 * width and height in samples. */
typedef struct {
  GstVideoFrame frame;
} XovFrame;
XovFrame *xov_frame_map (GstVideoInfo * info, GstBuffer * buf); /* NULL when it cannot be mapped */
guint8 *xov_frame_comp_data (XovFrame * f, int comp);
int xov_frame_comp_stride (XovFrame * f, int comp);
int xov_frame_comp_pstride (XovFrame * f, int comp);
int xov_frame_comp_width (XovFrame * f, int comp);
int xov_frame_comp_height (XovFrame * f, int comp);
void xov_frame_unmap (XovFrame * f);

#endif
