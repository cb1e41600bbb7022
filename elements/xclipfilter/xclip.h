/* C side of the xclipfilter element: what go-gst v1.4.0 does not expose (video frame mapping, the
 * GstBaseTransform segment and pads, chaining up to the parent class, GstValueArray fields, the region
 * of interest meta, enum properties). What every element needs alike (GValues of properties, param
 * specs, error messages, logging) is Go in elements/internal/gstglue. Every function here is called from
 * Go; none of them keeps a Go pointer. */
#ifndef XCLIP_H
#define XCLIP_H

#include <gst/gst.h>
#include <gst/base/gstbasetransform.h>
#include <gst/video/video.h>

/* Property ids, in installation order (the Go table follows the same order). */
enum {
  XCLIP_PROP_0,
  XCLIP_PROP_MODEL,
  XCLIP_PROP_LABELS,
  XCLIP_PROP_LABELS_FILE,
  XCLIP_PROP_PROMPT_TEMPLATE,
  XCLIP_PROP_FRAME_INTERVAL,
  XCLIP_PROP_WINDOW_STRIDE,
  XCLIP_PROP_TOP_K,
  XCLIP_PROP_THRESHOLD,
  XCLIP_PROP_DEVICE,
  XCLIP_PROP_ATTACH_META,
  XCLIP_PROP_BLOCKING,
  XCLIP_PROP_WINDOWS_SKIPPED,
  XCLIP_PROP_PRECISION,
  XCLIP_PROP_PRINT,
  XCLIP_PROP_SOURCE,
  XCLIP_PROP_EVENT_THRESHOLD,
  XCLIP_PROP_EVENT_EXIT_THRESHOLD,
  XCLIP_PROP_EVENT_MIN_WINDOWS,
  XCLIP_PROP_EVENT_MIN_END_WINDOWS,
  XCLIP_PROP_EVENT_THRESHOLDS,
  XCLIP_PROP_STATS_INTERVAL,
  XCLIP_PROP_STALL_TIMEOUT,
  XCLIP_PROP_THREADS,
  XCLIP_PROP_BATCH_SIZE,
  XCLIP_PROP_BATCH_TIMEOUT,
  XCLIP_PROP_MODEL_INSTANCE_ID,
};

/* Debug category "xclipfilter". */
void xclip_debug_init (void);
void *xclip_debug_category (void);      /* for gstglue.Log */

/* Class setup: set_property/get_property trampolines and the properties. */
GType xclip_device_get_type (void);
GType xclip_precision_get_type (void);
GType xclip_print_get_type (void);
void xclip_class_set_property_funcs (void *klass);
void xclip_element_class_setup (void *klass, const char *longname, const char *klass_str,
    const char *description, const char *author, const char *sink_caps, const char *src_caps,
    const char *messages, const char *events);

/* A weak reference to the element: goroutines take a strong one from it for each use, or NULL once
 * the element is being finalized (g_weak_ref_get is safe against a concurrent last unref). */
GWeakRef *xclip_weak_new (void *obj);
void *xclip_weak_get (GWeakRef * w);
void xclip_weak_free (GWeakRef * w);
void xclip_object_unref (void *obj);

/* Element messages. */
void xclip_post_structure (void *element, GstStructure * s);

/* GstBaseTransform plumbing. */
void xclip_transform_init (void *trans);
gboolean xclip_parent_sink_event (void *trans, GstEvent * event);
GstEventType xclip_event_type (GstEvent * event);
gboolean xclip_push_custom_event (void *trans, GstStructure * s);
void xclip_buffer_times (void *trans, GstBuffer * buf, guint64 * pts, guint64 * duration,
    guint64 * running_time, guint64 * stream_time);
guint xclip_buffer_flags (GstBuffer * buf);

/* Caps and frames. */
GstVideoInfo *xclip_video_info_from_caps (GstCaps * caps);
void xclip_video_info_free (GstVideoInfo * info);
gboolean xclip_video_info_equal (GstVideoInfo * a, GstVideoInfo * b);
void xclip_video_info_describe (GstVideoInfo * info, int *format, int *width, int *height, int *matrix,
    int *range);

typedef struct {
  GstVideoFrame frame;
} XclipFrame;
XclipFrame *xclip_frame_map (GstVideoInfo * info, GstBuffer * buf);
guint8 *xclip_frame_plane (XclipFrame * f, int plane);
int xclip_frame_stride (XclipFrame * f, int plane);
void xclip_frame_unmap (XclipFrame * f);

/* Result structures. */
GstStructure *xclip_structure_new (const char *name);
void xclip_structure_free (GstStructure * s);
GstStructure *xclip_structure_copy (const GstStructure * s);
void xclip_set_string (GstStructure * s, const char *field, const char *v);
void xclip_set_double (GstStructure * s, const char *field, double v);
void xclip_set_uint64 (GstStructure * s, const char *field, guint64 v);
void xclip_set_bool (GstStructure * s, const char *field, gboolean v);
void xclip_set_string_array (GstStructure * s, const char *field, char **v, int n);
void xclip_set_double_array (GstStructure * s, const char *field, double *v, int n);

/* Reading them back. */
const char *xclip_structure_name (const GstStructure * s);
gboolean xclip_get_string (const GstStructure * s, const char *field, const char **v);
gboolean xclip_get_double (const GstStructure * s, const char *field, double *v);
gboolean xclip_get_uint64 (const GstStructure * s, const char *field, guint64 * v);
gboolean xclip_get_bool (const GstStructure * s, const char *field, gboolean * v);
int xclip_get_array_size (const GstStructure * s, const char *field);       /* -1: absent or not an array */
const char *xclip_get_array_string (const GstStructure * s, const char *field, int i);
gboolean xclip_get_array_double (const GstStructure * s, const char *field, int i, double *v);
const GstStructure *xclip_message_structure (GstMessage * msg);
const GstStructure *xclip_event_structure (GstEvent * ev);

/* Region of interest meta over the whole frame, with a param structure (ownership taken). */
void xclip_add_roi (GstBuffer * buf, guint width, guint height, GstStructure * param);

#endif
