#include "overlay.h"
#include "_cgo_export.h"

GST_DEBUG_CATEGORY_STATIC (xov_debug);
#define GST_CAT_DEFAULT xov_debug

void
xov_debug_init (void)
{
  static gsize done = 0;
  if (g_once_init_enter (&done)) {
    GST_DEBUG_CATEGORY_INIT (xov_debug, "xclipoverlay", 0, "Drawing xclip results onto video");
    g_once_init_leave (&done, 1);
  }
}

/* The category, for gstglue.Log. */
void *
xov_debug_category (void)
{
  return xov_debug;
}

/* ---- properties ---- */

GType
xov_position_get_type (void)
{
  static gsize id = 0;
  static const GEnumValue values[] = {
    {XOV_POSITION_TOP_LEFT, "Top left corner", "top-left"},
    {XOV_POSITION_TOP_RIGHT, "Top right corner", "top-right"},
    {XOV_POSITION_BOTTOM_LEFT, "Bottom left corner", "bottom-left"},
    {XOV_POSITION_BOTTOM_RIGHT, "Bottom right corner", "bottom-right"},
    {0, NULL, NULL},
  };
  if (g_once_init_enter (&id)) {
    GType t = g_enum_register_static ("GstXClipOverlayPosition", values);
    g_once_init_leave (&id, t);
  }
  return (GType) id;
}

static void
xov_set_property (GObject * obj, guint id, const GValue * value, GParamSpec * pspec)
{
  goXovSetProperty (obj, id, (GValue *) value);
}

static void
xov_get_property (GObject * obj, guint id, GValue * value, GParamSpec * pspec)
{
  goXovGetProperty (obj, id, value);
}

void
xov_class_set_property_funcs (void *klass)
{
  GObjectClass *oc = G_OBJECT_CLASS (klass);
  oc->set_property = xov_set_property;
  oc->get_property = xov_get_property;
}

void
xov_element_class_setup (void *klass, const char *longname, const char *klass_str,
    const char *description, const char *author, const char *caps_str, const char *events)
{
  GstElementClass *ec = GST_ELEMENT_CLASS (klass);
  GstCaps *caps = gst_caps_from_string (caps_str);

  gst_element_class_set_metadata (ec, longname, klass_str, description, author);
  gst_element_class_add_metadata (ec, "events", events);
  gst_element_class_add_pad_template (ec, gst_pad_template_new ("sink", GST_PAD_SINK, GST_PAD_ALWAYS, caps));
  gst_element_class_add_pad_template (ec, gst_pad_template_new ("src", GST_PAD_SRC, GST_PAD_ALWAYS, caps));
  gst_caps_unref (caps);
  gst_type_mark_as_plugin_api (xov_position_get_type (), 0);
}

/* ---- element ---- */

/* In place; passthrough (no copy of a buffer that is not writable) while there is nothing to draw. */
void
xov_transform_init (void *trans)
{
  GstBaseTransform *t = GST_BASE_TRANSFORM (trans);
  gst_base_transform_set_in_place (t, TRUE);
  gst_base_transform_set_passthrough (t, TRUE);
  gst_base_transform_set_qos_enabled (t, FALSE);
}

void
xov_set_passthrough (void *trans, gboolean passthrough)
{
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (trans), passthrough);
}

gboolean
xov_is_passthrough (void *trans)
{
  return gst_base_transform_is_passthrough (GST_BASE_TRANSFORM (trans));
}

gboolean
xov_parent_sink_event (void *trans, GstEvent * event)
{
  GstBaseTransformClass *parent = g_type_class_peek (GST_TYPE_BASE_TRANSFORM);
  return parent->sink_event (GST_BASE_TRANSFORM (trans), event);
}

GstEventType
xov_event_type (GstEvent * event)
{
  return GST_EVENT_TYPE (event);
}

const GstStructure *
xov_event_structure (GstEvent * event)
{
  return gst_event_get_structure (event);
}

guint64
xov_buffer_running_time (void *trans, GstBuffer * buf)
{
  GstBaseTransform *t = GST_BASE_TRANSFORM (trans);
  if (!GST_BUFFER_PTS_IS_VALID (buf) || t->segment.format != GST_FORMAT_TIME)
    return GST_CLOCK_TIME_NONE;
  return gst_segment_to_running_time (&t->segment, GST_FORMAT_TIME, GST_BUFFER_PTS (buf));
}

/* ---- caps and frames ---- */

GstVideoInfo *
xov_video_info_from_caps (GstCaps * caps)
{
  GstVideoInfo *info = gst_video_info_new ();
  if (!gst_video_info_from_caps (info, caps)) {
    gst_video_info_free (info);
    return NULL;
  }
  return info;
}

void
xov_video_info_free (GstVideoInfo * info)
{
  if (info)
    gst_video_info_free (info);
}

void
xov_video_info_describe (GstVideoInfo * info, XovFormat * out)
{
  const GstVideoFormatInfo *finfo = info->finfo;
  gint offset[GST_VIDEO_MAX_COMPONENTS], scale[GST_VIDEO_MAX_COMPONENTS];
  int i;

  memset (out, 0, sizeof (*out));
  out->format = GST_VIDEO_INFO_FORMAT (info);
  out->width = GST_VIDEO_INFO_WIDTH (info);
  out->height = GST_VIDEO_INFO_HEIGHT (info);
  out->yuv = GST_VIDEO_FORMAT_INFO_IS_YUV (finfo) || GST_VIDEO_FORMAT_INFO_IS_GRAY (finfo);
  out->n_comp = GST_VIDEO_FORMAT_INFO_IS_GRAY (finfo) ? 1 : 3;
  out->depth8 = GST_VIDEO_FORMAT_INFO_N_COMPONENTS (finfo) >= out->n_comp;
  for (i = 0; i < out->n_comp && i < 3; i++) {
    if (GST_VIDEO_FORMAT_INFO_DEPTH (finfo, i) != 8 || GST_VIDEO_FORMAT_INFO_BITS (finfo) != 8)
      out->depth8 = 0;
    out->w_sub[i] = GST_VIDEO_FORMAT_INFO_W_SUB (finfo, i);
    out->h_sub[i] = GST_VIDEO_FORMAT_INFO_H_SUB (finfo, i);
  }
  if (GST_VIDEO_FORMAT_INFO_IS_COMPLEX (finfo) || GST_VIDEO_FORMAT_INFO_IS_TILED (finfo)
      || GST_VIDEO_FORMAT_INFO_HAS_PALETTE (finfo))
    out->depth8 = 0;
  if (!gst_video_color_matrix_get_Kr_Kb (info->colorimetry.matrix, &out->kr, &out->kb)) {
    out->kr = 0.299;            /* BT.601, as videoconvert takes an RGB or unknown matrix */
    out->kb = 0.114;
  }
  gst_video_color_range_offsets (info->colorimetry.range, finfo, offset, scale);
  for (i = 0; i < 3; i++) {
    out->offset[i] = offset[i];
    out->scale[i] = scale[i];
  }
}

XovFrame *
xov_frame_map (GstVideoInfo * info, GstBuffer * buf)
{
  XovFrame *f = g_new0 (XovFrame, 1);
  if (!gst_video_frame_map (&f->frame, info, buf, GST_MAP_READWRITE)) {
    g_free (f);
    return NULL;
  }
  return f;
}

guint8 *
xov_frame_comp_data (XovFrame * f, int comp)
{
  return GST_VIDEO_FRAME_COMP_DATA (&f->frame, comp);
}

int
xov_frame_comp_stride (XovFrame * f, int comp)
{
  return GST_VIDEO_FRAME_COMP_STRIDE (&f->frame, comp);
}

int
xov_frame_comp_pstride (XovFrame * f, int comp)
{
  return GST_VIDEO_FRAME_COMP_PSTRIDE (&f->frame, comp);
}

int
xov_frame_comp_width (XovFrame * f, int comp)
{
  return GST_VIDEO_FRAME_COMP_WIDTH (&f->frame, comp);
}

int
xov_frame_comp_height (XovFrame * f, int comp)
{
  return GST_VIDEO_FRAME_COMP_HEIGHT (&f->frame, comp);
}

void
xov_frame_unmap (XovFrame * f)
{
  gst_video_frame_unmap (&f->frame);
  g_free (f);
}
