/* C helpers of package gstglue (static inline: nothing is exported from this package's C). */
#ifndef GSTGLUE_H
#define GSTGLUE_H

#include <stdlib.h>
#include <gst/gst.h>

static inline void
gstglue_install (void *klass, guint id, GParamSpec * spec)
{
  g_object_class_install_property (G_OBJECT_CLASS (klass), id, spec);
}

static inline GstState
gstglue_element_state (void *element)
{
  GstState s;
  GST_OBJECT_LOCK (element);
  s = GST_STATE (element);
  GST_OBJECT_UNLOCK (element);
  return s;
}

/* domain: 0 resource, 1 stream, 2 library, 3 core. */
static inline void
gstglue_post_message_full (void *element, gboolean is_error, int domain, int code, const char *text,
    const char *debug, const char *file, const char *function, int line)
{
  GQuark q;
  switch (domain) {
    case 1:
      q = GST_STREAM_ERROR;
      break;
    case 2:
      q = GST_LIBRARY_ERROR;
      break;
    case 3:
      q = GST_CORE_ERROR;
      break;
    default:
      q = GST_RESOURCE_ERROR;
      break;
  }
  gst_element_message_full (GST_ELEMENT (element), is_error ? GST_MESSAGE_ERROR : GST_MESSAGE_WARNING,
      q, code, g_strdup (text), debug && *debug ? g_strdup (debug) : NULL, file, function, line);
}

static inline void
gstglue_log (void *cat, void *obj, GstDebugLevel level, const char *file, const char *msg)
{
#ifndef GST_DISABLE_GST_DEBUG
  GstDebugCategory *c = (GstDebugCategory *) cat;
  if (G_UNLIKELY (level <= gst_debug_category_get_threshold (c)))
    gst_debug_log (c, level, file, "", 0, obj ? G_OBJECT (obj) : NULL, "%s", msg);
#endif
}

#endif
