package watch

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Kind is how a source is opened, and whether its end of stream is a drop.
type Kind int

const (
	KindFile Kind = iota // a local file: ends for good at EOS (unless Loop)
	KindRTSP             // rtsp:// or rtsps://: rtspsrc, live
	KindHTTP             // http:// or https://: a camera's stream, treated as live
	KindV4L2             // /dev/videoN: v4l2src, live
)

func (k Kind) String() string {
	return [...]string{"file", "rtsp", "http", "v4l2"}[k]
}

// Live reports whether the end of the stream is a drop (to reconnect) rather than the end.
func (k Kind) Live() bool { return k != KindFile }

// Source is one camera or recording that watch classifies, named for the results and the status.
type Source struct {
	Name string
	URI  string // as given: a URI, a file path or a device
	Kind Kind
}

// sourceName is what a source may be called: it becomes the source field of every document and the
// {source} of MQTT topics, where "+", "#" and "/" would change the topic's meaning.
var sourceName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// ParseSource reads one NAME=URI argument. The URI is rtsp(s)://, http(s)://, a /dev/video device, a
// file:// URI or a file path (which must exist).
func ParseSource(arg string) (Source, error) {
	name, uri, ok := strings.Cut(arg, "=")
	if !ok || name == "" || uri == "" {
		return Source{}, fmt.Errorf("source %q: want NAME=URI, e.g. door=rtsp://10.0.0.5/stream", arg)
	}
	if !sourceName.MatchString(name) {
		return Source{}, fmt.Errorf("source name %q: use 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit", name)
	}
	s := Source{Name: name, URI: uri}
	lower := strings.ToLower(uri)
	switch {
	case strings.HasPrefix(lower, "rtsp://"), strings.HasPrefix(lower, "rtsps://"):
		s.Kind = KindRTSP
	case strings.HasPrefix(lower, "http://"), strings.HasPrefix(lower, "https://"):
		s.Kind = KindHTTP
	case strings.HasPrefix(uri, "/dev/"):
		s.Kind = KindV4L2
	case strings.HasPrefix(lower, "file://"):
		u, err := url.Parse(uri)
		if err != nil || u.Path == "" {
			return Source{}, fmt.Errorf("source %s: bad file URI %q", name, uri)
		}
		s.Kind, s.URI = KindFile, u.Path
	case strings.Contains(uri, "://"):
		return Source{}, fmt.Errorf("source %s: unsupported URI %q (rtsp://, rtsps://, http://, https://, file://, a file or /dev/videoN)", name, redact(uri))
	default:
		s.Kind = KindFile
	}
	if s.Kind == KindFile {
		abs, err := filepath.Abs(s.URI)
		if err != nil {
			return Source{}, fmt.Errorf("source %s: %v", name, err)
		}
		fi, err := os.Stat(abs)
		if err != nil {
			return Source{}, fmt.Errorf("source %s: cannot read the video file: %v", name, err)
		}
		if !fi.Mode().IsRegular() {
			return Source{}, fmt.Errorf("source %s: %s is not a regular file", name, abs)
		}
		s.URI = abs
	}
	return s, nil
}

// ParseSources reads every NAME=URI argument; names must differ.
func ParseSources(args []string) ([]Source, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("no source: give NAME=URI arguments, e.g. door=rtsp://10.0.0.5/stream yard=/dev/video0")
	}
	seen := map[string]bool{}
	var out []Source
	for _, a := range args {
		s, err := ParseSource(a)
		if err != nil {
			return nil, err
		}
		if seen[s.Name] {
			return nil, fmt.Errorf("source name %q given twice", s.Name)
		}
		seen[s.Name] = true
		out = append(out, s)
	}
	return out, nil
}

// redact hides the password of a URI (rtsp://user:secret@cam/...) in messages.
func redact(uri string) string {
	u, err := url.Parse(uri)
	if err != nil || u.User == nil {
		return uri
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// Display is the source's URI as printed: without a password.
func (s Source) Display() string { return redact(s.URI) }

// pipelineHead is the part of the source's pipeline before videoconvert: an element named "src"
// (whose location, uri or device the supervisor sets, so that nothing needs quoting) and the decoder.
func (s Source) pipelineHead() string {
	switch s.Kind {
	case KindRTSP:
		return "rtspsrc name=src ! decodebin"
	case KindV4L2:
		return "v4l2src name=src ! decodebin"
	default:
		return "uridecodebin name=src"
	}
}

// uriProperty is the property of "src" that names the source, and its value.
func (s Source) uriProperty() (string, string) {
	switch s.Kind {
	case KindRTSP:
		return "location", s.URI
	case KindV4L2:
		return "device", s.URI
	case KindFile:
		return "uri", (&url.URL{Scheme: "file", Path: s.URI}).String()
	default:
		return "uri", s.URI
	}
}

// PipelineDescription is the whole pipeline of the source, for gst.NewPipelineFromString: the
// source, decoding, xclipfilter named "classifier" and a fakesink (synchronised for a file, so that a
// recording plays at its own pace, like a camera).
func (s Source) PipelineDescription() string {
	sync := "false"
	if s.Kind == KindFile {
		sync = "true"
	}
	return s.pipelineHead() + " ! videoconvert ! xclipfilter name=classifier ! fakesink name=sink async=false sync=" + sync
}
