#!/usr/bin/env python3
"""Read xclipfilter's results in Python (PyGObject): one JSON line per window.

    GST_PLUGIN_PATH=$PWD/bin python3 examples/pipelines/messages.py MODEL "a fall;nobody" [VIDEO]

Needs python3-gi and gir1.2-gstreamer-1.0 (scripts/setup.sh installs them); without VIDEO it classifies
120 frames of videotestsrc. The array fields (labels, scores, top-labels, ...) are GstValueArray:
Gst.Structure.get_value() raises "unknown type GstValueArray" for them, get_array() works.
"""
import json
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402


def array(structure, field):
    """A GstValueArray field as a Python list (get_value cannot convert it)."""
    ok, values = structure.get_array(field)
    return [values.get_nth(i) for i in range(values.n_values)] if ok else []


def main(model, labels, video=None):
    Gst.init(None)
    source = "videotestsrc num-buffers=120 pattern=ball ! video/x-raw,width=160,height=120"
    if video:
        source = "filesrc location=%s ! decodebin" % json.dumps(video)
    pipeline = Gst.parse_launch(
        "%s ! videoconvert ! xclipfilter name=x blocking=true ! fakesink" % source)
    x = pipeline.get_by_name("x")
    x.set_property("model", model)
    x.set_property("labels", labels)
    bus = pipeline.get_bus()
    pipeline.set_state(Gst.State.PLAYING)
    kinds = Gst.MessageType.ELEMENT | Gst.MessageType.EOS | Gst.MessageType.ERROR
    while True:
        msg = bus.timed_pop_filtered(Gst.CLOCK_TIME_NONE, kinds)
        if msg.type == Gst.MessageType.ERROR:
            err, debug = msg.parse_error()
            pipeline.set_state(Gst.State.NULL)
            sys.exit("error from %s: %s" % (msg.src.get_name(), err.message))
        if msg.type == Gst.MessageType.EOS:
            break
        s = msg.get_structure()
        if s is None or s.get_name() != "xclip":
            continue
        print(json.dumps({
            "window": s.get_value("window"),
            "window_start": s.get_value("window-start"),
            "labels": array(s, "labels"),
            "scores": array(s, "scores"),
            "top_label": s.get_value("top-label"),
            "top_labels": array(s, "top-labels"),
            "top_scores": array(s, "top-scores"),
        }, ensure_ascii=False), flush=True)
    pipeline.set_state(Gst.State.NULL)


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    main(*sys.argv[1:])
