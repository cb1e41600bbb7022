#include "gsttest.h"
#include <string.h>

struct GsttestCollector {
  GMutex lock;
  GArray *records;
  GstSegment segment;
  GstPad *pad;
  gulong probe;
};

static GstClockTime
now_running (GstPad * pad)
{
  GstElement *el = GST_ELEMENT (gst_pad_get_parent (pad));
  GstClock *clock;
  GstClockTime t = GST_CLOCK_TIME_NONE;
  if (!el)
    return t;
  clock = gst_element_get_clock (el);
  if (clock) {
    t = gst_clock_get_time (clock) - gst_element_get_base_time (el);
    gst_object_unref (clock);
  }
  gst_object_unref (el);
  return t;
}

static gboolean
roi_param (GstBuffer * buf, GstMeta ** meta, gpointer user_data)
{
  GString *s = user_data;
  if ((*meta)->info->api == GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE) {
    GstVideoRegionOfInterestMeta *m = (GstVideoRegionOfInterestMeta *) * meta;
    GstStructure *p = gst_video_region_of_interest_meta_get_param (m, "xclip");
    if (p && m->roi_type == g_quark_from_static_string ("xclip")) {
      gchar *t = gst_structure_to_string (p);
      if (s->len)
        g_string_append_c (s, '\n');
      g_string_append (s, t);
      g_free (t);
    }
  }
  return TRUE;
}

static GstPadProbeReturn
probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GsttestCollector *c = user_data;
  GsttestRecord r = { 0 };
  r.wall_us = g_get_monotonic_time ();
  r.arrival_running = now_running (pad);
  r.pts = r.duration = r.pts_running = GST_CLOCK_TIME_NONE;
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER (info);
    GString *s = g_string_new (NULL);
    r.kind = GSTTEST_BUFFER;
    r.pts = GST_BUFFER_PTS (b);
    r.duration = GST_BUFFER_DURATION (b);
    r.flags = GST_BUFFER_FLAGS (b);
    r.size = gst_buffer_get_size (b);
    gst_buffer_foreach_meta (b, roi_param, s);
    r.text = g_string_free (s, FALSE);
    g_mutex_lock (&c->lock);
    if (GST_CLOCK_TIME_IS_VALID (r.pts) && c->segment.format == GST_FORMAT_TIME)
      r.pts_running = gst_segment_to_running_time (&c->segment, GST_FORMAT_TIME, r.pts);
    g_array_append_val (c->records, r);
    g_mutex_unlock (&c->lock);
  } else if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent *e = GST_PAD_PROBE_INFO_EVENT (info);
    const GstStructure *st;
    switch (GST_EVENT_TYPE (e)) {
      case GST_EVENT_SEGMENT:{
        const GstSegment *seg;
        gst_event_parse_segment (e, &seg);
        g_mutex_lock (&c->lock);
        gst_segment_copy_into (seg, &c->segment);
        g_mutex_unlock (&c->lock);
        break;
      }
      case GST_EVENT_CUSTOM_DOWNSTREAM:
        st = gst_event_get_structure (e);
        if (st && g_str_has_prefix (gst_structure_get_name (st), "xclip")) {
          r.kind = gst_structure_has_name (st, "xclip") ? GSTTEST_XCLIP_EVENT : GSTTEST_OTHER_XCLIP_EVENT;
          r.text = gst_structure_to_string (st);
          g_mutex_lock (&c->lock);
          g_array_append_val (c->records, r);
          g_mutex_unlock (&c->lock);
        }
        break;
      case GST_EVENT_EOS:
        r.kind = GSTTEST_EOS;
        g_mutex_lock (&c->lock);
        g_array_append_val (c->records, r);
        g_mutex_unlock (&c->lock);
        break;
      default:
        break;
    }
  }
  return GST_PAD_PROBE_OK;
}

GsttestCollector *
gsttest_collect (GstElement * element, const char *pad_name)
{
  GsttestCollector *c;
  GstPad *pad = gst_element_get_static_pad (element, pad_name);
  if (!pad)
    return NULL;
  c = g_new0 (GsttestCollector, 1);
  g_mutex_init (&c->lock);
  c->records = g_array_new (FALSE, TRUE, sizeof (GsttestRecord));
  gst_segment_init (&c->segment, GST_FORMAT_UNDEFINED);
  c->pad = pad;
  c->probe = gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      probe, c, NULL);
  return c;
}

int
gsttest_count (GsttestCollector * c)
{
  int n;
  g_mutex_lock (&c->lock);
  n = c->records->len;
  g_mutex_unlock (&c->lock);
  return n;
}

gboolean
gsttest_record (GsttestCollector * c, int i, GsttestRecord * out)
{
  gboolean ok = FALSE;
  g_mutex_lock (&c->lock);
  if (i >= 0 && (guint) i < c->records->len) {
    *out = g_array_index (c->records, GsttestRecord, i);
    ok = TRUE;
  }
  g_mutex_unlock (&c->lock);
  return ok;
}

void
gsttest_free (GsttestCollector * c)
{
  guint i;
  gst_pad_remove_probe (c->pad, c->probe);
  gst_object_unref (c->pad);
  for (i = 0; i < c->records->len; i++)
    g_free (g_array_index (c->records, GsttestRecord, i).text);
  g_array_free (c->records, TRUE);
  g_mutex_clear (&c->lock);
  g_free (c);
}

/* ---- padding ---- */

typedef struct {
  int extra, gap;
  GstVideoInfo info;
  gboolean have_info;
} Padder;

static GstPadProbeReturn
pad_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Padder *p = user_data;
  GstBuffer *in, *out;
  GstVideoFrame frame;
  gsize offsets[GST_VIDEO_MAX_PLANES] = { 0 };
  gint strides[GST_VIDEO_MAX_PLANES] = { 0 };
  gsize size = 0;
  guint i, n;
  GstMapInfo map;

  if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent *e = GST_PAD_PROBE_INFO_EVENT (info);
    if (GST_EVENT_TYPE (e) == GST_EVENT_CAPS) {
      GstCaps *caps;
      gst_event_parse_caps (e, &caps);
      p->have_info = gst_video_info_from_caps (&p->info, caps);
    }
    return GST_PAD_PROBE_OK;
  }
  if (!p->have_info)
    return GST_PAD_PROBE_OK;
  in = GST_PAD_PROBE_INFO_BUFFER (info);
  if (!gst_video_frame_map (&frame, &p->info, in, GST_MAP_READ))
    return GST_PAD_PROBE_OK;
  n = GST_VIDEO_FRAME_N_PLANES (&frame);
  for (i = 0; i < n; i++) {
    gint comp[GST_VIDEO_MAX_COMPONENTS];
    guint rows;
    gst_video_format_info_component (frame.info.finfo, i, comp);
    rows = GST_VIDEO_FRAME_COMP_HEIGHT (&frame, comp[0]);
    size += p->gap;
    offsets[i] = size;
    strides[i] = GST_VIDEO_FRAME_PLANE_STRIDE (&frame, i) + p->extra;
    size += (gsize) strides[i] * rows;
  }
  out = gst_buffer_new_allocate (NULL, size, NULL);
  gst_buffer_map (out, &map, GST_MAP_WRITE);
  memset (map.data, 0xA5, size);
  for (i = 0; i < n; i++) {
    gint comp[GST_VIDEO_MAX_COMPONENTS];
    guint rows, r;
    gsize row_bytes;
    gst_video_format_info_component (frame.info.finfo, i, comp);
    rows = GST_VIDEO_FRAME_COMP_HEIGHT (&frame, comp[0]);
    row_bytes = MIN (GST_VIDEO_FRAME_PLANE_STRIDE (&frame, i),
        GST_VIDEO_FRAME_COMP_WIDTH (&frame, comp[0]) * GST_VIDEO_FRAME_COMP_PSTRIDE (&frame, comp[0]));
    for (r = 0; r < rows; r++)
      memcpy (map.data + offsets[i] + (gsize) r * strides[i],
          (guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame, i) + (gsize) r * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, i),
          row_bytes);
  }
  gst_buffer_unmap (out, &map);
  gst_video_frame_unmap (&frame);
  gst_buffer_copy_into (out, in, GST_BUFFER_COPY_FLAGS | GST_BUFFER_COPY_TIMESTAMPS, 0, -1);
  gst_buffer_add_video_meta_full (out, GST_VIDEO_FRAME_FLAG_NONE, GST_VIDEO_INFO_FORMAT (&p->info),
      GST_VIDEO_INFO_WIDTH (&p->info), GST_VIDEO_INFO_HEIGHT (&p->info), n, offsets, strides);
  gst_buffer_unref (in);
  GST_PAD_PROBE_INFO_DATA (info) = out;
  return GST_PAD_PROBE_OK;
}

gboolean
gsttest_pad_buffers (GstElement * element, const char *pad_name, int extra_stride, int gap)
{
  GstPad *pad = gst_element_get_static_pad (element, pad_name);
  Padder *p;
  if (!pad)
    return FALSE;
  p = g_new0 (Padder, 1);
  p->extra = extra_stride;
  p->gap = gap;
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, pad_probe, p,
      g_free);
  gst_object_unref (pad);
  return TRUE;
}

gboolean
gsttest_query_latency (GstElement * element, gboolean * live, guint64 * min, guint64 * max)
{
  GstQuery *q = gst_query_new_latency ();
  gboolean ok = gst_element_query (element, q);
  if (ok) {
    GstClockTime mn, mx;
    gst_query_parse_latency (q, live, &mn, &mx);
    *min = mn;
    *max = mx;
  }
  gst_query_unref (q);
  return ok;
}

/* ---- injection ---- */

typedef struct {
  int index, what, seen;
} Injector;

static GstPadProbeReturn
inject_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Injector *in = user_data;
  GstBuffer *b;
  if (in->seen++ != in->index)
    return GST_PAD_PROBE_OK;
  b = GST_PAD_PROBE_INFO_BUFFER (info);
  switch (in->what) {
    case GSTTEST_MARK_DISCONT:
    case GSTTEST_MARK_GAP:
      b = gst_buffer_make_writable (b);
      GST_BUFFER_FLAG_SET (b, in->what == GSTTEST_MARK_GAP ? GST_BUFFER_FLAG_GAP : GST_BUFFER_FLAG_DISCONT);
      GST_PAD_PROBE_INFO_DATA (info) = b;
      return GST_PAD_PROBE_OK;
    case GSTTEST_GAP_EVENT:
      gst_pad_push_event (pad, gst_event_new_gap (GST_BUFFER_PTS (b), GST_BUFFER_DURATION (b)));
      return GST_PAD_PROBE_DROP;
  }
  return GST_PAD_PROBE_OK;
}

gboolean
gsttest_inject (GstElement * element, const char *pad_name, int index, int what)
{
  GstPad *pad = gst_element_get_static_pad (element, pad_name);
  Injector *in;
  if (!pad)
    return FALSE;
  in = g_new0 (Injector, 1);
  in->index = index;
  in->what = what;
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, inject_probe, in, g_free);
  gst_object_unref (pad);
  return TRUE;
}
