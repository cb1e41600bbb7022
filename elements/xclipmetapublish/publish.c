#include "publish.h"
#include "_cgo_export.h"

GST_DEBUG_CATEGORY_STATIC (xmp_debug);
#define GST_CAT_DEFAULT xmp_debug

void
xmp_debug_init (void)
{
  static gsize done = 0;
  if (g_once_init_enter (&done)) {
    GST_DEBUG_CATEGORY_INIT (xmp_debug, "xclipmetapublish", 0, "Publishing xclip results to MQTT or a file");
    g_once_init_leave (&done, 1);
  }
}

/* The category, for gstglue.Log. */
void *
xmp_debug_category (void)
{
  return xmp_debug;
}

/* ---- properties ---- */

GType
xmp_method_get_type (void)
{
  static gsize id = 0;
  static const GEnumValue values[] = {
    {XMP_METHOD_FILE, "Write JSON to a file or stdout (file-path, file-format)", "file"},
    {XMP_METHOD_MQTT, "Publish one JSON message per result to an MQTT broker (address, topic), QoS 1", "mqtt"},
    {0, NULL, NULL},
  };
  if (g_once_init_enter (&id)) {
    GType t = g_enum_register_static ("GstXClipMetaPublishMethod", values);
    g_once_init_leave (&id, t);
  }
  return (GType) id;
}

GType
xmp_file_format_get_type (void)
{
  static gsize id = 0;
  static const GEnumValue values[] = {
    {XMP_FORMAT_JSON, "One JSON array holding every document, complete when the element stops", "json"},
    {XMP_FORMAT_JSON_LINES, "One JSON object per line, written as each result arrives", "json-lines"},
    {0, NULL, NULL},
  };
  if (g_once_init_enter (&id)) {
    GType t = g_enum_register_static ("GstXClipMetaPublishFileFormat", values);
    g_once_init_leave (&id, t);
  }
  return (GType) id;
}

static void
xmp_set_property (GObject * obj, guint id, const GValue * value, GParamSpec * pspec)
{
  goXmpSetProperty (obj, id, (GValue *) value, (char *) g_param_spec_get_name (pspec));
}

static void
xmp_get_property (GObject * obj, guint id, GValue * value, GParamSpec * pspec)
{
  goXmpGetProperty (obj, id, value);
}

void
xmp_class_set_property_funcs (void *klass)
{
  GObjectClass *oc = G_OBJECT_CLASS (klass);
  oc->set_property = xmp_set_property;
  oc->get_property = xmp_get_property;
}

void
xmp_element_class_setup (void *klass, const char *longname, const char *klass_str,
    const char *description, const char *author, const char *events)
{
  GstElementClass *ec = GST_ELEMENT_CLASS (klass);
  GstCaps *caps = gst_caps_new_any ();

  gst_element_class_set_metadata (ec, longname, klass_str, description, author);
  gst_element_class_add_metadata (ec, "events", events);
  gst_element_class_add_pad_template (ec, gst_pad_template_new ("sink", GST_PAD_SINK, GST_PAD_ALWAYS, caps));
  gst_element_class_add_pad_template (ec, gst_pad_template_new ("src", GST_PAD_SRC, GST_PAD_ALWAYS, caps));
  gst_caps_unref (caps);
  gst_type_mark_as_plugin_api (xmp_method_get_type (), 0);
  gst_type_mark_as_plugin_api (xmp_file_format_get_type (), 0);
}

/* ---- element ---- */

char *
xmp_element_name (void *element)
{
  return gst_object_get_name (GST_OBJECT (element));
}

/* Buffers go through untouched: passthrough, any caps. */
void
xmp_transform_init (void *trans)
{
  GstBaseTransform *t = GST_BASE_TRANSFORM (trans);
  gst_base_transform_set_passthrough (t, TRUE);
  gst_base_transform_set_in_place (t, TRUE);
  gst_base_transform_set_gap_aware (t, TRUE);
  gst_base_transform_set_qos_enabled (t, FALSE);
}

gboolean
xmp_parent_sink_event (void *trans, GstEvent * event)
{
  GstBaseTransformClass *parent = g_type_class_peek (GST_TYPE_BASE_TRANSFORM);
  return parent->sink_event (GST_BASE_TRANSFORM (trans), event);
}

GstEventType
xmp_event_type (GstEvent * event)
{
  return GST_EVENT_TYPE (event);
}

const GstStructure *
xmp_event_structure (GstEvent * event)
{
  return gst_event_get_structure (event);
}

/* ---- structures ---- */

const char *
xmp_structure_name (const GstStructure * s)
{
  return gst_structure_get_name (s);
}

int
xmp_structure_n_fields (const GstStructure * s)
{
  return gst_structure_n_fields (s);
}

const char *
xmp_structure_nth_field_name (const GstStructure * s, int i)
{
  return gst_structure_nth_field_name (s, (guint) i);
}

const GValue *
xmp_structure_value (const GstStructure * s, const char *field)
{
  return gst_structure_get_value (s, field);
}

int
xmp_value_kind (const GValue * v)
{
  GType t;
  if (v == NULL)
    return XMP_KIND_OTHER;
  t = G_VALUE_TYPE (v);
  switch (G_TYPE_FUNDAMENTAL (t)) {
    case G_TYPE_STRING:
      return XMP_KIND_STRING;
    case G_TYPE_BOOLEAN:
      return XMP_KIND_BOOL;
    case G_TYPE_CHAR:
    case G_TYPE_INT:
    case G_TYPE_LONG:
    case G_TYPE_INT64:
      return XMP_KIND_INT;
    case G_TYPE_UCHAR:
    case G_TYPE_UINT:
    case G_TYPE_ULONG:
    case G_TYPE_UINT64:
      return XMP_KIND_UINT;
    case G_TYPE_FLOAT:
    case G_TYPE_DOUBLE:
      return XMP_KIND_DOUBLE;
    case G_TYPE_ENUM:
      return XMP_KIND_ENUM;
    default:
      break;
  }
  if (GST_VALUE_HOLDS_ARRAY (v) || GST_VALUE_HOLDS_LIST (v))
    return XMP_KIND_ARRAY;
  if (GST_VALUE_HOLDS_STRUCTURE (v))
    return XMP_KIND_STRUCTURE;
  return XMP_KIND_OTHER;
}

const char *
xmp_value_string (const GValue * v)
{
  if (G_VALUE_HOLDS_ENUM (v)) {
    GEnumClass *klass = g_type_class_peek (G_VALUE_TYPE (v));
    GEnumValue *ev = klass ? g_enum_get_value (klass, g_value_get_enum (v)) : NULL;
    return ev ? ev->value_nick : NULL;
  }
  return g_value_get_string (v);
}

gboolean
xmp_value_bool (const GValue * v)
{
  return g_value_get_boolean (v);
}

gint64
xmp_value_int (const GValue * v)
{
  switch (G_TYPE_FUNDAMENTAL (G_VALUE_TYPE (v))) {
    case G_TYPE_CHAR:
      return g_value_get_schar (v);
    case G_TYPE_INT:
      return g_value_get_int (v);
    case G_TYPE_LONG:
      return g_value_get_long (v);
    default:
      return g_value_get_int64 (v);
  }
}

guint64
xmp_value_uint (const GValue * v)
{
  switch (G_TYPE_FUNDAMENTAL (G_VALUE_TYPE (v))) {
    case G_TYPE_UCHAR:
      return g_value_get_uchar (v);
    case G_TYPE_UINT:
      return g_value_get_uint (v);
    case G_TYPE_ULONG:
      return g_value_get_ulong (v);
    default:
      return g_value_get_uint64 (v);
  }
}

double
xmp_value_double (const GValue * v)
{
  if (G_TYPE_FUNDAMENTAL (G_VALUE_TYPE (v)) == G_TYPE_FLOAT)
    return g_value_get_float (v);
  return g_value_get_double (v);
}

int
xmp_value_array_size (const GValue * v)
{
  if (GST_VALUE_HOLDS_ARRAY (v))
    return (int) gst_value_array_get_size (v);
  if (GST_VALUE_HOLDS_LIST (v))
    return (int) gst_value_list_get_size (v);
  return 0;
}

const GValue *
xmp_value_array_nth (const GValue * v, int i)
{
  if (GST_VALUE_HOLDS_ARRAY (v))
    return gst_value_array_get_value (v, (guint) i);
  return gst_value_list_get_value (v, (guint) i);
}

const GstStructure *
xmp_value_structure (const GValue * v)
{
  return gst_value_get_structure (v);
}

char *
xmp_value_serialize (const GValue * v)
{
  return gst_value_serialize (v);
}

void
xmp_free (void *p)
{
  g_free (p);
}
