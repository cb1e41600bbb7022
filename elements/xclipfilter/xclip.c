#include "xclip.h"
#include "_cgo_export.h"

GST_DEBUG_CATEGORY_STATIC (xclip_debug);
#define GST_CAT_DEFAULT xclip_debug

void
xclip_debug_init (void)
{
  static gsize done = 0;
  if (g_once_init_enter (&done)) {
    GST_DEBUG_CATEGORY_INIT (xclip_debug, "xclipfilter", 0, "X-CLIP video classification filter");
    g_once_init_leave (&done, 1);
  }
}

/* The category, for gstglue.Log. */
void *
xclip_debug_category (void)
{
  return xclip_debug;
}

/* ---- properties ---- */

GType
xclip_device_get_type (void)
{
  static gsize id = 0;
  static const GEnumValue values[] = {
    {0, "Automatic: the GPU in a CUDA build (make plugin-cuda) when there is one, else the CPU", "auto"},
    {1, "The CPU (as many threads as the threads property allows)", "cpu"},
    {2, "An NVIDIA GPU through CUDA (CUDA builds only: make plugin-cuda)", "cuda"},
    {0, NULL, NULL},
  };
  if (g_once_init_enter (&id)) {
    GType t = g_enum_register_static ("GstXClipDevice", values);
    g_once_init_leave (&id, t);
  }
  return (GType) id;
}

GType
xclip_precision_get_type (void)
{
  static gsize id = 0;
  static const GEnumValue values[] = {
    {0, "Automatic: bf16 on a GPU and on CPUs with AMX, else fp32", "auto"},
    {1, "float32 weights and arithmetic (the reference numbers)", "fp32"},
    {2, "bfloat16 weights, float32 sums: half the memory (and tensor cores on a GPU)", "bf16"},
    {3, "float16 weights, float32 sums (GPU only)", "fp16"},
    {0, NULL, NULL},
  };
  if (g_once_init_enter (&id)) {
    GType t = g_enum_register_static ("GstXClipPrecision", values);
    g_once_init_leave (&id, t);
  }
  return (GType) id;
}

GType
xclip_print_get_type (void)
{
  static gsize id = 0;
  static const GEnumValue values[] = {
    {0, "Print nothing (results are messages, events and meta only)", "none"},
    {1, "One line of text per window on stdout: times, window number, top labels and scores", "text"},
    {2, "One JSON object per line per window on stdout (window, start/end, labels, scores, top-labels)", "json"},
    {0, NULL, NULL},
  };
  if (g_once_init_enter (&id)) {
    GType t = g_enum_register_static ("GstXClipPrint", values);
    g_once_init_leave (&id, t);
  }
  return (GType) id;
}

static void
xclip_set_property (GObject * obj, guint id, const GValue * value, GParamSpec * pspec)
{
  goXclipSetProperty (obj, id, (GValue *) value, (char *) g_param_spec_get_name (pspec));
}

static void
xclip_get_property (GObject * obj, guint id, GValue * value, GParamSpec * pspec)
{
  goXclipGetProperty (obj, id, value);
}

/* The finalize that go-glib installed (it releases the Go half): ours runs first. */
static void (*xclip_go_finalize) (GObject * obj);

static void
xclip_finalize (GObject * obj)
{
  goXclipFinalize (obj);
  xclip_go_finalize (obj);
}

void
xclip_class_set_property_funcs (void *klass)
{
  GObjectClass *oc = G_OBJECT_CLASS (klass);
  oc->set_property = xclip_set_property;
  oc->get_property = xclip_get_property;
  xclip_go_finalize = oc->finalize;
  oc->finalize = xclip_finalize;
}

/* ---- weak reference to the element, for the goroutines ---- */

GWeakRef *
xclip_weak_new (void *obj)
{
  GWeakRef *w = g_new0 (GWeakRef, 1);
  g_weak_ref_init (w, obj);
  return w;
}

void *
xclip_weak_get (GWeakRef * w)
{
  return g_weak_ref_get (w);
}

void
xclip_weak_free (GWeakRef * w)
{
  g_weak_ref_clear (w);
  g_free (w);
}

void
xclip_object_unref (void *obj)
{
  g_object_unref (obj);
}

void
xclip_element_class_setup (void *klass, const char *longname, const char *klass_str,
    const char *description, const char *author, const char *sink_caps, const char *src_caps,
    const char *messages, const char *events)
{
  GstElementClass *ec = GST_ELEMENT_CLASS (klass);
  GstCaps *caps;

  gst_element_class_set_metadata (ec, longname, klass_str, description, author);
  gst_element_class_add_metadata (ec, "messages", messages);
  gst_element_class_add_metadata (ec, "events", events);
  caps = gst_caps_from_string (sink_caps);
  gst_element_class_add_pad_template (ec, gst_pad_template_new ("sink", GST_PAD_SINK, GST_PAD_ALWAYS, caps));
  gst_caps_unref (caps);
  caps = gst_caps_from_string (src_caps);
  gst_element_class_add_pad_template (ec, gst_pad_template_new ("src", GST_PAD_SRC, GST_PAD_ALWAYS, caps));
  gst_caps_unref (caps);
  gst_type_mark_as_plugin_api (xclip_device_get_type (), 0);
  gst_type_mark_as_plugin_api (xclip_precision_get_type (), 0);
  gst_type_mark_as_plugin_api (xclip_print_get_type (), 0);
}

/* ---- element ---- */

void
xclip_post_structure (void *element, GstStructure * s)
{
  gst_element_post_message (GST_ELEMENT (element),
      gst_message_new_element (GST_OBJECT (element), gst_structure_copy (s)));
}

/* ---- GstBaseTransform ---- */

void
xclip_transform_init (void *trans)
{
  GstBaseTransform *t = GST_BASE_TRANSFORM (trans);
  gst_base_transform_set_in_place (t, TRUE);
  gst_base_transform_set_passthrough (t, FALSE);
  gst_base_transform_set_gap_aware (t, TRUE);
  gst_base_transform_set_qos_enabled (t, FALSE);
}

gboolean
xclip_parent_sink_event (void *trans, GstEvent * event)
{
  GstBaseTransformClass *parent = g_type_class_peek (GST_TYPE_BASE_TRANSFORM);
  return parent->sink_event (GST_BASE_TRANSFORM (trans), event);
}

GstEventType
xclip_event_type (GstEvent * event)
{
  return GST_EVENT_TYPE (event);
}

gboolean
xclip_push_custom_event (void *trans, GstStructure * s)
{
  GstEvent *ev = gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM, s);
  return gst_pad_push_event (GST_BASE_TRANSFORM_SRC_PAD (trans), ev);
}

void
xclip_buffer_times (void *trans, GstBuffer * buf, guint64 * pts, guint64 * duration,
    guint64 * running_time, guint64 * stream_time)
{
  GstBaseTransform *t = GST_BASE_TRANSFORM (trans);
  *pts = GST_BUFFER_PTS (buf);
  *duration = GST_BUFFER_DURATION (buf);
  *running_time = GST_CLOCK_TIME_NONE;
  *stream_time = GST_CLOCK_TIME_NONE;
  if (GST_CLOCK_TIME_IS_VALID (*pts) && t->segment.format == GST_FORMAT_TIME) {
    *running_time = gst_segment_to_running_time (&t->segment, GST_FORMAT_TIME, *pts);
    *stream_time = gst_segment_to_stream_time (&t->segment, GST_FORMAT_TIME, *pts);
  }
}

guint
xclip_buffer_flags (GstBuffer * buf)
{
  return GST_BUFFER_FLAGS (buf);
}

/* ---- caps and frames ---- */

GstVideoInfo *
xclip_video_info_from_caps (GstCaps * caps)
{
  GstVideoInfo *info = gst_video_info_new ();
  if (!gst_video_info_from_caps (info, caps)) {
    gst_video_info_free (info);
    return NULL;
  }
  return info;
}

void
xclip_video_info_free (GstVideoInfo * info)
{
  if (info)
    gst_video_info_free (info);
}

gboolean
xclip_video_info_equal (GstVideoInfo * a, GstVideoInfo * b)
{
  return gst_video_info_is_equal (a, b);
}

void
xclip_video_info_describe (GstVideoInfo * info, int *format, int *width, int *height, int *matrix, int *range)
{
  *format = GST_VIDEO_INFO_FORMAT (info);
  *width = GST_VIDEO_INFO_WIDTH (info);
  *height = GST_VIDEO_INFO_HEIGHT (info);
  *matrix = info->colorimetry.matrix;
  *range = info->colorimetry.range;
}

XclipFrame *
xclip_frame_map (GstVideoInfo * info, GstBuffer * buf)
{
  XclipFrame *f = g_new0 (XclipFrame, 1);
  if (!gst_video_frame_map (&f->frame, info, buf, GST_MAP_READ)) {
    g_free (f);
    return NULL;
  }
  return f;
}

guint8 *
xclip_frame_plane (XclipFrame * f, int plane)
{
  return GST_VIDEO_FRAME_PLANE_DATA (&f->frame, plane);
}

int
xclip_frame_stride (XclipFrame * f, int plane)
{
  return GST_VIDEO_FRAME_PLANE_STRIDE (&f->frame, plane);
}

void
xclip_frame_unmap (XclipFrame * f)
{
  gst_video_frame_unmap (&f->frame);
  g_free (f);
}

/* ---- structures ---- */

GstStructure *
xclip_structure_new (const char *name)
{
  return gst_structure_new_empty (name);
}

void
xclip_structure_free (GstStructure * s)
{
  if (s)
    gst_structure_free (s);
}

GstStructure *
xclip_structure_copy (const GstStructure * s)
{
  return gst_structure_copy (s);
}

void
xclip_set_string (GstStructure * s, const char *field, const char *v)
{
  gst_structure_set (s, field, G_TYPE_STRING, v, NULL);
}

void
xclip_set_double (GstStructure * s, const char *field, double v)
{
  gst_structure_set (s, field, G_TYPE_DOUBLE, v, NULL);
}

void
xclip_set_uint64 (GstStructure * s, const char *field, guint64 v)
{
  gst_structure_set (s, field, G_TYPE_UINT64, v, NULL);
}

void
xclip_set_bool (GstStructure * s, const char *field, gboolean v)
{
  gst_structure_set (s, field, G_TYPE_BOOLEAN, v, NULL);
}

void
xclip_set_string_array (GstStructure * s, const char *field, char **v, int n)
{
  GValue arr = G_VALUE_INIT, item = G_VALUE_INIT;
  int i;
  g_value_init (&arr, GST_TYPE_ARRAY);
  for (i = 0; i < n; i++) {
    g_value_init (&item, G_TYPE_STRING);
    g_value_set_string (&item, v[i]);
    gst_value_array_append_and_take_value (&arr, &item);
    memset (&item, 0, sizeof item);
  }
  gst_structure_take_value (s, field, &arr);
}

void
xclip_set_double_array (GstStructure * s, const char *field, double *v, int n)
{
  GValue arr = G_VALUE_INIT, item = G_VALUE_INIT;
  int i;
  g_value_init (&arr, GST_TYPE_ARRAY);
  for (i = 0; i < n; i++) {
    g_value_init (&item, G_TYPE_DOUBLE);
    g_value_set_double (&item, v[i]);
    gst_value_array_append_and_take_value (&arr, &item);
    memset (&item, 0, sizeof item);
  }
  gst_structure_take_value (s, field, &arr);
}

const char *
xclip_structure_name (const GstStructure * s)
{
  return gst_structure_get_name (s);
}

gboolean
xclip_get_string (const GstStructure * s, const char *field, const char **v)
{
  const GValue *val = gst_structure_get_value (s, field);
  if (!val || !G_VALUE_HOLDS_STRING (val))
    return FALSE;
  *v = g_value_get_string (val);
  return TRUE;
}

gboolean
xclip_get_double (const GstStructure * s, const char *field, double *v)
{
  return gst_structure_get_double (s, field, v);
}

gboolean
xclip_get_uint64 (const GstStructure * s, const char *field, guint64 * v)
{
  return gst_structure_get_uint64 (s, field, v);
}

gboolean
xclip_get_bool (const GstStructure * s, const char *field, gboolean * v)
{
  return gst_structure_get_boolean (s, field, v);
}

int
xclip_get_array_size (const GstStructure * s, const char *field)
{
  const GValue *val = gst_structure_get_value (s, field);
  if (!val || !GST_VALUE_HOLDS_ARRAY (val))
    return -1;
  return (int) gst_value_array_get_size (val);
}

const char *
xclip_get_array_string (const GstStructure * s, const char *field, int i)
{
  const GValue *val = gst_structure_get_value (s, field), *item;
  if (!val || !GST_VALUE_HOLDS_ARRAY (val) || i < 0 || (guint) i >= gst_value_array_get_size (val))
    return NULL;
  item = gst_value_array_get_value (val, i);
  if (!G_VALUE_HOLDS_STRING (item))
    return NULL;
  return g_value_get_string (item);
}

gboolean
xclip_get_array_double (const GstStructure * s, const char *field, int i, double *v)
{
  const GValue *val = gst_structure_get_value (s, field), *item;
  if (!val || !GST_VALUE_HOLDS_ARRAY (val) || i < 0 || (guint) i >= gst_value_array_get_size (val))
    return FALSE;
  item = gst_value_array_get_value (val, i);
  if (!G_VALUE_HOLDS_DOUBLE (item))
    return FALSE;
  *v = g_value_get_double (item);
  return TRUE;
}

const GstStructure *
xclip_message_structure (GstMessage * msg)
{
  return gst_message_get_structure (msg);
}

const GstStructure *
xclip_event_structure (GstEvent * ev)
{
  return gst_event_get_structure (ev);
}

/* ---- region of interest ---- */

void
xclip_add_roi (GstBuffer * buf, guint width, guint height, GstStructure * param)
{
  GstVideoRegionOfInterestMeta *m =
      gst_buffer_add_video_region_of_interest_meta (buf, "xclip", 0, 0, width, height);
  if (m)
    gst_video_region_of_interest_meta_add_param (m, param);
  else
    gst_structure_free (param);
}
