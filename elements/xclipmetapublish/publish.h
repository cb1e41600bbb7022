/* C side of the xclipmetapublish element: what go-gst v1.4.0 does not expose (chaining up to the
 * GstBaseTransform parent, enum properties, walking a structure's fields and values without Go
 * finalizers); what it shares with xclipfilter is Go in elements/internal/gstglue. Every function here
 * is called from Go; none of them keeps a Go pointer. The prefix xmp_ keeps the symbols apart from
 * xclipfilter's in the one libgstxclip.so. */
#ifndef XMP_PUBLISH_H
#define XMP_PUBLISH_H

#include <gst/gst.h>
#include <gst/base/gstbasetransform.h>

/* Property ids, in installation order (the Go table follows the same order). */
enum {
  XMP_PROP_0,
  XMP_PROP_METHOD,
  XMP_PROP_FILE_PATH,
  XMP_PROP_FILE_FORMAT,
  XMP_PROP_ADDRESS,
  XMP_PROP_TOPIC,
  XMP_PROP_MQTT_CLIENT_ID,
  XMP_PROP_MAX_CONNECT_ATTEMPTS,
  XMP_PROP_MAX_RECONNECT_INTERVAL,
  XMP_PROP_SOURCE,
  XMP_PROP_PUBLISHED,
  XMP_PROP_DROPPED,
};

/* Values of the method and file-format enums (DLStreamer gvametapublish's numbers). */
enum {
  XMP_METHOD_FILE = 1,
  XMP_METHOD_MQTT = 2,
};
enum {
  XMP_FORMAT_JSON = 1,
  XMP_FORMAT_JSON_LINES = 2,
};

/* Debug category "xclipmetapublish". */
void xmp_debug_init (void);
void *xmp_debug_category (void);      /* for gstglue.Log */

/* Class setup. */
GType xmp_method_get_type (void);
GType xmp_file_format_get_type (void);
void xmp_class_set_property_funcs (void *klass);
void xmp_element_class_setup (void *klass, const char *longname, const char *klass_str,
    const char *description, const char *author, const char *events);

/* Element. */
char *xmp_element_name (void *element);       /* g_free it */
void xmp_transform_init (void *trans);
gboolean xmp_parent_sink_event (void *trans, GstEvent * event);
GstEventType xmp_event_type (GstEvent * event);
const GstStructure *xmp_event_structure (GstEvent * event);

/* Walking a structure: its fields, and each value by kind. */
enum {
  XMP_KIND_OTHER,               /* anything else: gst_value_serialize's text, or null */
  XMP_KIND_STRING,
  XMP_KIND_BOOL,
  XMP_KIND_INT,                 /* gint, glong, gint64, gchar */
  XMP_KIND_UINT,                /* guint, gulong, guint64, guchar */
  XMP_KIND_DOUBLE,              /* gfloat, gdouble */
  XMP_KIND_ARRAY,               /* GstValueArray or GstValueList */
  XMP_KIND_STRUCTURE,
  XMP_KIND_ENUM,                /* its nick */
};
const char *xmp_structure_name (const GstStructure * s);
int xmp_structure_n_fields (const GstStructure * s);
const char *xmp_structure_nth_field_name (const GstStructure * s, int i);
const GValue *xmp_structure_value (const GstStructure * s, const char *field);
int xmp_value_kind (const GValue * v);
const char *xmp_value_string (const GValue * v);      /* STRING (maybe NULL) and ENUM (its nick) */
gboolean xmp_value_bool (const GValue * v);
gint64 xmp_value_int (const GValue * v);
guint64 xmp_value_uint (const GValue * v);
double xmp_value_double (const GValue * v);
int xmp_value_array_size (const GValue * v);
const GValue *xmp_value_array_nth (const GValue * v, int i);
const GstStructure *xmp_value_structure (const GValue * v);
char *xmp_value_serialize (const GValue * v);   /* g_free it; NULL when it cannot be serialized */
void xmp_free (void *p);

#endif
