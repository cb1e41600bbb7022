// Package xclipmetapublish is the xclipmetapublish GStreamer element: it publishes the results that
// xclipfilter sends downstream, as JSON, to an MQTT broker or to a file, where a fleet of cameras'
// consumers read them. Its property names follow DLStreamer's gvametapublish.
//
// # Quick start
//
// Build the plugin (make plugin → bin/libgstxclip.so, which holds both elements) and place the
// element after xclipfilter:
//
//	GST_PLUGIN_PATH=$PWD/bin gst-launch-1.0 v4l2src ! videoconvert ! \
//	    xclipfilter model=./xclip-base-patch32 labels="a fall;a fight;nobody" ! \
//	    xclipmetapublish method=mqtt address=broker.local:1883 topic="cameras/{source}/xclip" source=door ! fakesink
//
//	mosquitto_sub -h broker.local -t 'cameras/+/xclip'
//
// or, one JSON object per line into a file:
//
//	... ! xclipmetapublish method=file file-path=results.jsonl file-format=json-lines ! fakesink
//
// # What it does
//
// xclipmetapublish is a GstBaseTransform in passthrough mode with ANY caps: buffers go downstream
// untouched, and it adds no latency. It reads every serialized custom downstream event
// (GST_EVENT_CUSTOM_DOWNSTREAM) whose structure name starts with "xclip" — xclipfilter's per-window
// "xclip" results, "xclip-event" label events, and any later "xclip-*" structure — turns it into a
// JSON document and forwards the event downstream unchanged. The streaming thread only copies the
// structure's fields: a publisher goroutine writes the file or talks to the broker, fed by a bounded
// queue (256 documents). When the queue is full the document is dropped and counted, so that a slow
// disk or broker never holds the video up.
//
// # Documents
//
// One JSON object per structure, in this order: "source" (see the source property), "type" (the
// structure name), "timestamp" (wall-clock UTC time of publication, RFC 3339 with milliseconds), then
// every field of the structure under its own name (a field named type or timestamp is published as
// STRUCTURE.type or STRUCTURE.timestamp, e.g. "xclip-event.type"; a source field becomes the
// document's source, see the source property). For an xclip result:
//
//	{"source":"door","type":"xclip","timestamp":"2026-12-02T09:15:02.125Z","window":12,
//	 "labels":["a fall","a fight","nobody"],"logits":[21.5,19.2,24.9],"scores":[0.032,0.003,0.965],
//	 "top-label":"nobody","top-score":0.965,"top-labels":["nobody","a fall","a fight"],
//	 "top-scores":[0.965,0.032,0.003],"window-start":3200000000,"window-end":4133333333,
//	 "running-time":4133333333,"stream-time":4133333333,"inference-time":41.2,"windows-skipped":0,
//	 "final":false}
//
// Times are nanoseconds (window-start and window-end are the PTS of the window's first and last frame;
// running-time and stream-time the last frame's); a time the window does not have
// (GST_CLOCK_TIME_NONE) is null, as are the unknown start-running-time, start-stream-time,
// end-running-time and end-stream-time of an xclip-event. An xclip-event (label, state "started" or
// "ended", those times, peak-score, windows, source, and reason on an end) is published with its
// fields the same way; xclipfilter's results and events carry their source (xclipfilter's source
// property, else its name), which the document takes unless this element's source property is set. GStreamer values map to JSON as: strings and enums (their nick) to strings,
// booleans, integers and floating point numbers to numbers, GstValueArray and GstValueList to arrays,
// nested structures to objects (with a "type" member), anything else to its GStreamer serialization
// (a fraction "30/1"). A document holding a NaN or infinite number cannot be JSON: it is dropped and
// counted, with a warning message the first time.
//
// # Methods
//
// method=file writes to file-path, created or truncated at start ("-", the default: standard output).
// file-format=json-lines (the default) writes one object per line, each line in one write as its result
// arrives, so that `tail -f` and line readers see whole documents; file-format=json writes one JSON
// array, which is complete (and valid JSON) once the element stops — at the end of the pipeline.
// A path that cannot be created refuses the start with an error that names it.
//
// method=mqtt publishes each document as one message, QoS 1, not retained, to topic on the broker at
// address (host:port, plain TCP; MQTT 3.1.1 through Eclipse Paho). {source} in topic stands for the
// document's source. At start the element connects: max-connect-attempts attempts (default 1), 1 s
// apart doubling up to max-reconnect-interval, before it refuses to start with an error naming the
// address; max-connect-attempts=0 starts at once and connects in the background, once a second. When
// the connection is lost the element posts a warning and reconnects by itself, waiting 1 s, then
// doubling up to max-reconnect-interval (default 30 s), while the pipeline keeps running. A result that
// arrives while the broker is unreachable is dropped and counted (dropped), not stored: nothing is
// queued without bound, and publishing resumes with the next result once reconnected. A message counts
// as published when the broker acknowledges it; at most 64 messages wait for their acknowledgement
// (bounding paho's in-memory store), those in flight when the connection drops are sent again once it
// is back, and one still unacknowledged after 10 s counts as dropped.
//
// At stop (the pipeline going to READY or NULL) the queued documents are published and the
// acknowledgements awaited for up to 10 s; then the file is closed or the client disconnects.
//
// # Properties
//
//	method                  enum    file (default) or mqtt
//	file-path               string  "-" (default: stdout) or a file
//	file-format             enum    json-lines (default) or json
//	address                 string  host:port of the MQTT broker, default localhost:1883
//	topic                   string  MQTT topic, default "xclip"; {source} is substituted
//	mqtt-client-id          string  default "": xclipmetapublish-NAME-PID-RANDOM
//	max-connect-attempts    uint    0-1000, default 1 (0: connect in the background)
//	max-reconnect-interval  uint    seconds, 1-3600, default 30
//	source                  string  default "": the structure's source field, else the element's name
//	published               guint64 read-only: documents written or acknowledged since start
//	dropped                 guint64 read-only: documents dropped since start
//
// Writable properties only change in the NULL or READY state (in PAUSED and PLAYING a change is ignored
// with a warning).
//
// # Errors
//
// An unwritable file-path, an address that is not host:port, a topic with wildcards and a broker that
// cannot be reached in max-connect-attempts refuse the READY to PAUSED change with an error message
// naming the path or address. Write failures, lost connections and invalid documents are warnings: the
// stream goes on. No panic crosses into GStreamer (each virtual method and the publisher goroutine
// recover and post an error instead).
//
// # In a Go application
//
//	gst.Init(nil)
//	xclipfilter.RegisterStatic()
//	xclipmetapublish.RegisterStatic()
//	pipeline, _ := gst.NewPipelineFromString("videotestsrc ! xclipfilter model=... labels=... ! " +
//	    "xclipmetapublish method=mqtt address=127.0.0.1:1883 ! fakesink")
//
// Debug output: GST_DEBUG=xclipmetapublish:5.
package xclipmetapublish
