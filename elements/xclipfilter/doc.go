// Package xclipfilter is the xclipfilter GStreamer element: zero-shot classification of live or
// recorded video against text labels with an X-CLIP model, as a passthrough filter.
//
// # Quick start
//
// Build the plugin (make plugin → bin/libgstxclip.so, or make install to put it where GStreamer looks)
// and classify a file, printing one line per window:
//
//	GST_PLUGIN_PATH=$PWD/bin gst-launch-1.0 -q filesrc location=video.mp4 ! decodebin ! videoconvert ! \
//	    xclipfilter model=./xclip-base-patch32 labels="a fall;a fight;nobody" print=text blocking=true ! fakesink
//
//	00:00:00.000–00:00:00.933  window 1  nobody 0.91 | a fall 0.07 | a fight 0.02
//	00:00:01.067–00:00:02.000  window 2  a fall 0.88 | nobody 0.10 | a fight 0.02
//
// (print=json writes one JSON object per window instead.) With gst-launch-1.0 -m, every classified
// window also appears as the element message that applications read:
//
//	Got message #52 from element "xclipfilter0" (element): xclip, window=(guint64)1,
//	    labels=(string)< "a fall", "a fight", "nobody" >, logits=(double)< 21.5, 19.2, 24.9 >,
//	    scores=(double)< 0.032, 0.003, 0.965 >, top-label=(string)nobody, top-score=(double)0.965, ...
//
// GST_PLUGIN_PATH=$PWD/bin gst-inspect-1.0 xclipfilter documents every property and pad.
//
// # What it does
//
// xclipfilter is a GstBaseTransform working in place: every buffer goes downstream untouched, with its
// timestamps, as soon as it arrives. The element samples every frame-interval-th frame, converts it to
// RGB (a copy) and keeps the model's number of frames (num_frames in config.json: 8 for
// xclip-base-patch32) as the current window. Every window-stride sampled frames (by default num_frames:
// windows do not overlap) the window goes to an inference goroutine. While that goroutine is busy, new
// windows are skipped and counted (windows-skipped), never queued: a live pipeline never waits for the
// model and the element adds no latency (LATENCY queries are answered by upstream unchanged). Set
// blocking=true to classify every window of a file instead, holding the stream up while inference
// runs.
//
// # Labels
//
// The element starts (READY to PAUSED) without waiting for the text encoder: the labels are encoded
// on a worker, in chunks of 32, and an element message says when they are in use:
//
//	xclip-labels, count=(guint64)3, encode-time=(double)12.5
//
// Windows that complete before that are skipped and counted in windows-skipped; with blocking=true
// they wait for the labels instead, so that a file gets the same results however long the encoding
// takes. At end of stream the last window also waits for them. A labels change in PAUSED or PLAYING
// keeps the current labels in use until the new ones are encoded (then another xclip-labels message
// comes). Encoded label texts are cached (the 4096 most recently used), so switching back is cheap.
//
// Limits: at most 1000 labels (Kinetics-600 fits), each at most 1024 bytes (X-CLIP reads 77 tokens of
// a label anyway), no label twice, and a prompt-template of at most 1024 bytes. A label set beyond
// them is refused: at start with an error naming the count, the label's position and length, or the
// duplicate; in PAUSED or PLAYING with a warning, the current labels staying in use.
//
// # Labels files
//
// labels-file names a file of labels, one per line (examples/labels/fall.labels):
//
//	# blank lines and lines starting with # are skipped
//	nobody
//	a fall: a person falling down | someone collapsing to the floor | a fall [0.5/0.3]
//	a fight [0.7]
//
// A line without ":" is a plain label, encoded through prompt-template like an entry of labels. A
// line "name: prompt | prompt ..." names a label (results carry the name) and gives the texts the text
// encoder reads for it, used as written (prompt-template does not apply): their text features are
// averaged into one (CLIP's prompt ensembling: each prompt's features normalised, averaged, the average
// normalised and given the prompts' mean norm, since X-CLIP's prompts generator adds to the features
// at the size it was trained with; a label with one prompt is encoded exactly as that prompt). A
// trailing "[entry]" or "[entry/exit]" sets the label's event thresholds (as event-thresholds does;
// an entry of event-thresholds for the same label wins over the file). A name cannot contain ":",
// a "|" needs a name before it, and a trailing "[...]" is always thresholds; files of plain labels
// without these read as before. Limits: those of labels, at most 64 prompts a label and 4096 in all,
// each at most 1024 bytes.
//
// While the element runs it looks at the file every second (size, modification time, inode) and
// rereads it once a change has held still for a second, so that a file being written is not read
// half-way; setting labels-file in PAUSED or PLAYING (to another path, or the same one to force a
// reread) reads it at once. The new labels are encoded off the streaming thread, like a labels
// change, and an xclip-labels message says when they are in use. A file that cannot be read or has a
// bad line is a warning naming the file, the line and the problem:
//
//	cannot reload labels-file: labels file cams.labels: line 3: thresholds [2]: "2" is not a score
//	between 0 and 1 (write [entry] or [entry/exit], e.g. [0.5/0.3]): keeping the current labels
//
// and the current labels stay in use. Setting labels stops the rereading.
//
// Flushing seeks, discontinuities (DISCONT buffers), gaps (GAP events and buffers) and caps changes
// start a new window. At end of stream the element classifies the window being filled, if any frame
// arrived since the last classified window (with fewer than num_frames frames, they are sampled
// uniformly to fill the window), and sends its result before forwarding EOS.
//
// # Caps
//
// Sink and source: video/x-raw in RGB, RGBA, BGRx, BGRA, xRGB, I420 or NV12, any size and frame rate.
// Row strides and plane offsets come from the buffer's GstVideoMeta when it has one (the frame is
// mapped with gst_video_frame_map). I420 and NV12 are converted with the caps' colorimetry (BT.601,
// BT.709, BT.2020, SMPTE 240M or FCC matrix; limited or full range) using the matrix that
// videoconvert builds, evaluated exactly (16-bit fixed point, rounded), chroma being repeated over
// each 2x2 block, so that the same picture in any format gives the same result within conversion
// rounding. (videoconvert 1.22's own 8-bit fast path for limited-range YUV lands up to 5 levels
// lower, e.g. Y=235 white becomes 253; a picture converted to I420 by videoconvert and classified by
// xclipfilter is closer to the RGB original than one converted back by videoconvert.) Alpha is
// ignored. Converting a sampled 1920x1080 I420 frame takes about 11 ms on the streaming thread
// (packed RGB formats 1 to 7 ms); frames that are not sampled cost nothing.
//
// # Results
//
// For every classified window the element
//
//   - posts an element message on the bus, structure "xclip";
//   - pushes the same structure downstream as a serialized custom event (GST_EVENT_CUSTOM_DOWNSTREAM),
//     from the streaming thread, before the next buffer that leaves the element after the result is
//     ready (before EOS for the last window);
//   - with attach-meta=true, adds a GstVideoRegionOfInterestMeta over the whole frame (roi type
//     "xclip") to that same buffer, with an "xclip" param structure holding window, window-start,
//     window-end, top-label, top-score, top-labels and top-scores. The meta cannot be on the buffer
//     that completed the window without making that buffer wait for inference, so it rides on a later
//     buffer and names the window it describes by its window-start and window-end. No buffer follows
//     the last window at EOS, so that result comes as message and event only.
//
// The structure's fields:
//
//	window           guint64   windows cut since the element started, from 1 (skipped windows count)
//	labels           < string > every label, in the order given
//	logits           < double > the window's logits_per_video row, in label order
//	scores           < double > softmax of logits
//	top-label        string    best label
//	top-score        double    its score
//	top-labels       < string > the top-k best labels whose score is at least threshold (maybe empty)
//	top-scores       < double > their scores
//	window-start     guint64   PTS of the first frame of the window, ns (GST_CLOCK_TIME_NONE if unknown)
//	window-end       guint64   PTS of the last frame of the window, ns
//	running-time     guint64   running time of the last frame, ns
//	stream-time      guint64   stream time of the last frame, ns
//	inference-time   double    preprocessing and inference (with the wait for the shared model's
//	                           pass), ms
//	batch            guint64   windows in the forward pass that classified this one (several when
//	                           elements share the model; see One model for many streams)
//	windows-skipped  guint64   windows skipped since start because inference was busy (or the
//	                           labels were still being encoded)
//	final            boolean   the window was finished at end of stream
//	source           string    the source property, else the element's name
//
// Unknown times are GST_CLOCK_TIME_NONE in the structures and ClockTimeNone (the same value) in Go;
// print=json writes null. Arrays are GstValueArray (GST_TYPE_ARRAY, printed "< a, b >"). Go programs read them with
// ParseMessage, ParseEvent, ParseStructure or ParseString; a statically registered element also
// calls a Go function (SetResultCallback). In Python (PyGObject: python3-gi, gir1.2-gstreamer-1.0),
// Gst.Structure.get_value raises "unknown type GstValueArray" for them; get_array works
// (examples/pipelines/messages.py is a whole program):
//
//	def array(structure, field):
//	    ok, values = structure.get_array(field)  # a GObject.ValueArray
//	    return [values.get_nth(i) for i in range(values.n_values)] if ok else []
//
//	s = msg.get_structure()                     # an element message named "xclip"
//	print(s.get_value("window"), array(s, "top-labels"), array(s, "top-scores"))
//
// # Label events
//
// The element follows each label's score (the softmax scores above) from window to window and posts
// an element message "xclip-event" when a label's event starts and when it ends:
//
//	xclip-event, label=(string)"a fall", state=(string)started, start-running-time=(guint64)4000000000,
//	    start-stream-time=(guint64)4000000000, peak-score=(double)0.91, windows=(guint64)2, source=(string)door
//
// An event starts after event-min-windows consecutive windows (default 2) whose score is at or above
// event-threshold (default 0.6), and ends after event-min-end-windows consecutive windows (default 2)
// below event-exit-threshold (default 0.4). Two windows (about two seconds at the default
// frame-interval) keep one noisy window from starting or ending an event; the gap between the two
// thresholds keeps a score hovering around one value from toggling it at every window. The exit
// threshold must not be above the entry threshold: the element refuses to start with such a pair, and
// refuses such a change in PAUSED or PLAYING with a warning naming both (lowering both while playing:
// lower event-exit-threshold first). event-thresholds overrides them per label:
//
//	event-thresholds="a fall=0.5/0.3;nobody=0.9"
//
// entries label=entry/exit (or label=entry: the exit is event-exit-threshold, or entry when that is
// lower) separated by ";", scores between 0 and 1, exit at most entry; spaces around labels and numbers
// are ignored and the last "=" separates the label from its thresholds (a label may hold "="). A list
// with a bad entry (no "=", no label, a label twice, a value that is not a score, exit above entry) is
// refused with a warning naming that entry, and the previous list stays in use. All five properties
// may change in PLAYING and apply from the next window.
//
// Fields: label, state (started or ended), start-running-time and start-stream-time (the first frame
// of the first window that counted), on ended also end-running-time and end-stream-time (the last
// frame of the last window that counted), all guint64 ns, GST_CLOCK_TIME_NONE when unknown; peak-score
// (double, the highest score over the windows that counted); windows (guint64, the windows that
// counted: at or above the entry threshold before the start, at or above the exit threshold after
// it; windows below the exit threshold do not extend the event); source (string); and on ended
// reason: score (below the exit threshold for event-min-end-windows windows), eos (end of stream),
// stop (the element stopped: PAUSED to READY) or labels-changed (the label left the label set).
// Windows dropped for non-finite scores count neither way. The same structure goes downstream as a
// serialized custom event, in the order of the messages, before the next buffer like the results;
// events that end at EOS are pushed before EOS. Events that end at stop are posted only: streaming
// has stopped, so no downstream event can carry them. A flushing seek drops the pending results but
// not the pending label events. Go programs read them with ParseLabelEventMessage and
// ParseLabelEventString; xclipmetapublish publishes them as "xclip-event" documents.
//
// # Health statistics
//
// With stats-interval set (seconds; default 0, none: the bus carries no periodic message unless asked
// for), the element posts from a timer, never from the streaming thread:
//
//	xclip-stats, windows=(guint64)120, windows-skipped=(guint64)3, inference-p50=(double)41.2,
//	    inference-p95=(double)55.0, last-result-age=(double)480.5, open-events=(string)< "a fall" >,
//	    source=(string)door
//
// windows: windows classified since start (with a result); windows-skipped as in the results;
// inference-p50 and inference-p95: median and 95th percentile (nearest rank) of the inference time of
// the last 256 results, ms; last-result-age: ms since the last result; the three are -1 before the
// first result. open-events: the labels whose event is open (GstValueArray of strings).
// last-buffer-age: ms since the last buffer arrived (-1 before the first); stalled: whether a stall
// (below) is under way. Nothing is posted after the element stops. Go programs read it with
// ParseStatsMessage.
//
// # Stalled sources
//
// A camera whose server freezes or whose network silently drops packets leaves a live pipeline
// PLAYING without buffers and without an error. With stall-timeout (ms, default 10000; 0 off), a
// timer goroutine notices when no buffer has arrived for that long while the element is PLAYING and
// posts, once per stall, a GStreamer WARNING ("no video for 10.2 s (stall-timeout 10000 ms): the source
// has stopped delivering frames") and an element message
//
//	xclip-stalled, stalled-for=(double)10213.4, stall-timeout=(guint64)10000, source=(string)door
//
// then "xclip-resumed" (the same fields) when buffers come back. Time after EOS, in PAUSED and spent
// inside the element (blocking=true waiting for inference) does not count. gst-launch-1.0 prints the
// warning and goes on; an application (xclip watch) restarts the source.
//
// # One model for many streams
//
// Elements in one process that name the same checkpoint (however the path is spelled), device and
// precision share one model instance: the weights are loaded once, the label features are cached once,
// and one scheduler runs the windows of every stream. Windows that several streams have ready at the
// same moment go through the model in one forward pass of at most batch-size windows; with
// batch-timeout set, a window waits up to that long for others to fill its pass. Each element keeps
// its own window, labels, prompt template and results, in its own order, and its skip-not-queue
// behaviour: while its previous window is waiting or in inference, a new one is skipped and counted in
// windows-skipped (blocking=true waits instead), so no stream's windows pile up. The instance is
// loaded by the first element to start and freed when the last one stops; its batch-size and
// batch-timeout are that first element's (an element that starts with other values gets a warning).
// model-instance-id gives elements separate instances of the same checkpoint, e.g. to keep a
// latency-critical stream out of the batches of the others:
//
//	gst-launch-1.0 videotestsrc is-live=true ! tee name=t \
//	    t. ! queue ! xclipfilter model=DIR labels="a;b" ! fakesink \
//	    t. ! queue ! xclipfilter model=DIR labels="c;d" ! fakesink \
//	    t. ! queue ! xclipfilter model=DIR labels="a;b" model-instance-id=alone ! fakesink
//
// The first two share one instance; the third loads its own.
//
// # Printing
//
// print=text also writes each result to standard output, one line per window: the times of its first
// and last frame (HH:MM:SS.mmm), its number, then top-labels with their top-scores, labels as written
// (UTF-8). print=json writes one JSON object per line: window, start_ns and end_ns (null when
// unknown), start and end (HH:MM:SS.mmm), labels, logits, scores, top_labels, top_scores, final. Run
// gst-launch-1.0 with -q so that only these lines reach standard output.
//
// # Properties
//
//	model            string   checkpoint folder, or hub id org/name[@revision] (required; only in
//	                          NULL/READY; see below)
//	labels           string   "a;b;c", at most 1000 labels of at most 1024 bytes, no duplicates
//	                          (writable in PAUSED/PLAYING: encoded off the streaming thread, cached
//	                          per label text, used from the next window once encoded; the last of
//	                          quick successive changes wins; a list without a label, or beyond the
//	                          limits, is refused with a warning; it replaces the labels of labels-file)
//	labels-file      string   one label per line: "name" or "name: prompt | prompt" with optional
//	                          "[entry/exit]" (see Labels files); set labels or labels-file, not both
//	                          (writable in PAUSED/PLAYING: read at once; reread when the file changes)
//	prompt-template  string   "{}" (default: each label is encoded as written, as X-CLIP's own
//	                          zero-shot examples do) or e.g. "a video of {}"
//	frame-interval   uint     sample every Nth frame, 1-10000, default 4
//	window-stride    uint     sampled frames between windows, 0-10000, default 0 = num_frames
//	top-k            uint     1-10000, default 3 (writable in PLAYING)
//	threshold        double   0-1, default 0 (writable in PLAYING; GObject refuses nan with a warning)
//	device           enum     auto (default), cpu, cuda: read by backend.Open, as xclip's --device.
//	                          auto is the GPU when one can be had, else the CPU (the log says why).
//	                          The default build (make plugin) has no CUDA: auto means cpu and cuda
//	                          is refused. A CUDA build (make plugin-cuda, only for machines with an
//	                          NVIDIA GPU) runs cuda on the GPU (bf16)
//	precision        enum     auto (default: bf16 on a GPU and on CPUs with AMX, else fp32), fp32,
//	                          bf16 (half the weight memory, float32 sums), fp16 (GPU only; refused
//	                          on the CPU)
//	threads          uint     0-1024, default 0: the most CPU threads one inference operation uses.
//	                          0 is the default budget: one fewer than the cores (GOMAXPROCS) on
//	                          machines of up to 4 cores, so that the pipeline's own threads keep
//	                          their frame rate beside inference; all cores on larger ones
//	attach-meta      boolean  default false (writable in PLAYING)
//	blocking         boolean  default false: skip windows while inference is busy
//	print            enum     none (default), text, json: also write each result to standard output
//	                          (writable in PLAYING)
//	windows-skipped  guint64  read-only
//	source           string   name in the source field of every structure; default "": the element's
//	                          name (writable in PLAYING)
//	event-threshold  double   0-1, default 0.6: label event entry score (writable in PLAYING)
//	event-exit-threshold
//	                 double   0-1, default 0.4, at most event-threshold: exit score (writable in PLAYING)
//	event-min-windows
//	                 uint     1-10000, default 2: windows at or above entry to start (writable in PLAYING)
//	event-min-end-windows
//	                 uint     1-10000, default 2: windows below exit to end (writable in PLAYING)
//	event-thresholds string   per-label "label=entry/exit;..." (writable in PLAYING)
//	stats-interval   double   0-86400 s, default 0 (off): xclip-stats period (writable in PLAYING)
//	stall-timeout    uint     0-86400000 ms, default 10000: no buffer for that long while PLAYING
//	                          posts a warning and xclip-stalled; 0 off (writable in PLAYING)
//	batch-size       uint     1-64, default 4: most windows of different streams in one forward pass
//	                          of the shared model instance (1: no batching; see below)
//	batch-timeout    guint64  0-10000000000 ns, default 0: how long a window may wait for others to
//	                          join its pass (0: never, a single stream's latency is unchanged)
//	model-instance-id
//	                 string   default "": share the model with every element naming the same model,
//	                          device and precision; different values load separate instances
//
// Properties marked only in NULL/READY are ignored, with a warning, in PAUSED and PLAYING.
//
// # Checkpoints from the Hugging Face hub
//
// model=microsoft/xclip-base-patch32 (or org/name@revision: a branch, tag or commit) names a hub
// repository; a folder of that name, when one exists, wins. The element resolves it in the READY to
// PAUSED change, through the cache that huggingface_hub and transformers use ($HF_HUB_CACHE, else
// $HF_HOME/hub, else ~/.cache/huggingface/hub), so a model downloaded by Python is not downloaded again.
// An uncached checkpoint is downloaded there first (config.json, the weights, the tokenizer files,
// preprocessor_config.json), which can take minutes: the state change waits for it, and the progress
// is posted as element messages
//
//	xclip-download, file=(string)model.safetensors, bytes=(guint64)41943040, total=(guint64)605157884
//
// at most twice a second per file (and at its start and end). HF_ENDPOINT, HF_TOKEN (or the token file
// of huggingface-cli login) and HF_HUB_OFFLINE=1 (cache only) apply. When the hub cannot be reached, the
// cached snapshot of that revision is used with a warning; when it is not cached, or the hub refuses
// (unknown repository, revision or file, gated repository, token missing or refused), the element
// refuses to start with an error naming the id and the reason. Fetch ahead of time with
// `xclip download org/name`.
//
// # Errors
//
// A missing or invalid model, empty labels, labels beyond the limits or given twice, an unreadable labels-file, a
// prompt-template without {}
// and a device or precision that cannot be had (device=cuda in the default build, precision=fp16 on
// the CPU) make the element refuse the READY to PAUSED change with an error message naming the
// problem (gst-launch-1.0 prints "ERROR: from element .../GstXClipFilter:xclipfilter0: ..."). Labels
// that cannot be encoded after the start (an internal failure of the text encoder) are an error
// message too. A failed inference posts a warning and the stream goes on; no panic crosses into
// GStreamer (each virtual method recovers and posts an error instead).
//
// A window whose logits or scores are not all finite (a checkpoint with NaN weights, a logit_scale
// whose exponential overflows) is a warning, "window N dropped: non-finite logit +Inf for label 1
// ...", logged at GST_LEVEL_WARNING and posted; that window has no result: no message, event, meta
// or callback. Top-labels and threshold comparisons are written so that NaN fails them.
//
// # Lifetime
//
// Inference and label encoding run on goroutines that reach the element only through a weak
// reference, and stop (with the window in flight) when the element stops. An application that drops
// a PLAYING pipeline without setting it to NULL gets GStreamer's own "Trying to dispose element"
// criticals, but nothing from this element: when it is finalized it detaches its goroutines, which
// post nothing more, and they end after the current window. The result callback runs on the
// inference goroutine: it must not change the pipeline's state (stopping waits for that goroutine).
//
// # In a Go application
//
// An application registers the element inside its own process and gets typed results:
//
//	gst.Init(nil)
//	xclipfilter.RegisterStatic()
//	pipeline, _ := gst.NewPipelineFromString("videotestsrc ! videoconvert ! xclipfilter name=x model=... labels=... ! fakesink")
//	x, _ := pipeline.GetElementByName("x")
//	xclipfilter.SetResultCallback(x, func(r xclipfilter.Result) { fmt.Println(r.TopLabel, r.TopScore) })
//
// A process holds either the static registration or libgstxclip.so, not both: each shared object
// carries its own Go runtime. Debug output: GST_DEBUG=xclipfilter:5.
package xclipfilter
