/* Test probes for xclipfilter pipelines: what arrives at a pad, when, in which order. */
#ifndef GSTTEST_H
#define GSTTEST_H

#include <gst/gst.h>
#include <gst/video/video.h>

enum { GSTTEST_BUFFER = 0, GSTTEST_XCLIP_EVENT = 1, GSTTEST_EOS = 2, GSTTEST_OTHER_XCLIP_EVENT = 3 };

typedef struct {
  int kind;
  guint64 pts, duration, pts_running, arrival_running;
  gint64 wall_us;               /* g_get_monotonic_time at arrival */
  guint flags;
  guint64 size;
  char *text;                   /* xclip event: its structure; buffer: xclip ROI params, "\n"-separated */
} GsttestRecord;

typedef struct GsttestCollector GsttestCollector;

GsttestCollector *gsttest_collect (GstElement * element, const char *pad_name);
int gsttest_count (GsttestCollector * c);
/* Copies record i (its text stays owned by the collector). */
gboolean gsttest_record (GsttestCollector * c, int i, GsttestRecord * out);
void gsttest_free (GsttestCollector * c);

/* Rewrites every buffer leaving element's pad into one with wider strides, plane offsets after a gap
 * and a GstVideoMeta describing them (the content is the same picture). */
gboolean gsttest_pad_buffers (GstElement * element, const char *pad_name, int extra_stride, int gap);

gboolean gsttest_query_latency (GstElement * element, gboolean * live, guint64 * min, guint64 * max);



/* What gsttest_inject does to the index-th buffer leaving a pad. */
enum { GSTTEST_MARK_DISCONT = 0, GSTTEST_MARK_GAP = 1, GSTTEST_GAP_EVENT = 2 };
gboolean gsttest_inject (GstElement * element, const char *pad_name, int index, int what);
#endif
