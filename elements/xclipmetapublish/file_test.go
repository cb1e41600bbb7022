package xclipmetapublish

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-gst/go-gst/gst"

	"github.com/xclipfilter/xclipfilter/elements/xclipfilter"
)

// fileDesc classifies n frames of a test pattern with the tiny checkpoint and publishes with publish
// (one or more xclipmetapublish elements).
func fileDesc(dir string, n int, publish string) string {
	return fmt.Sprintf(`videotestsrc num-buffers=%d pattern=ball ! video/x-raw,width=64,height=48,framerate=30/1 ! `+
		`xclipfilter name=x model=%s labels="a ball;a dog;nobody" frame-interval=1 blocking=true `+noLabelEvents+` ! %s ! fakesink`, n, dir, publish)
}

// TestFileFormats: two publishers in a row (the first must forward the events to the second) write
// json-lines and json; both hold one document per result, matching the bus messages.
func TestFileFormats(t *testing.T) {
	dir := tinyA(t)
	tmp := t.TempDir()
	lines, array := filepath.Join(tmp, "results.jsonl"), filepath.Join(tmp, "results.json")
	since := time.Now()
	r := mustPlay(t, fileDesc(dir, 10, fmt.Sprintf(`xclipmetapublish name=a file-path=%s ! `+
		`xclipmetapublish name=b file-path=%s file-format=json source=cam2`, lines, array)), runOpts{})
	until := time.Now()
	if len(r.results) != 4 { // 3 windows of 3 frames and the last frame at EOS
		t.Fatalf("%d results, want 4", len(r.results))
	}

	b, err := os.ReadFile(lines)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(b, []byte("\n")) {
		t.Errorf("%s does not end with a newline", lines)
	}
	var docs []doc
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		docs = append(docs, decode(t, sc.Bytes()))
	}
	if len(docs) != len(r.results) {
		t.Fatalf("%s has %d lines, want %d:\n%s", lines, len(docs), len(r.results), b)
	}
	for i, d := range docs {
		checkDoc(t, d, r.results[i], "x", since, until) // source: the result's, xclipfilter's name
	}

	b, err = os.ReadFile(array)
	if err != nil {
		t.Fatal(err)
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatalf("%s is not a JSON array: %v\n%s", array, err, b)
	}
	if len(raw) != len(r.results) {
		t.Fatalf("%s has %d documents, want %d", array, len(raw), len(r.results))
	}
	for i, m := range raw {
		checkDoc(t, decode(t, m), r.results[i], "cam2", since, until)
	}
	for _, name := range []string{"a", "b"} {
		if pub, drop := counter(t, r.pipeline, name, "published"), counter(t, r.pipeline, name, "dropped"); pub != 4 || drop != 0 {
			t.Errorf("%s: published %d, dropped %d; want 4, 0", name, pub, drop)
		}
	}
}

// TestFileEmptyJSON: a stream without results gives an empty JSON array, and json-lines an empty file.
func TestFileEmptyJSON(t *testing.T) {
	tmp := t.TempDir()
	array, lines := filepath.Join(tmp, "empty.json"), filepath.Join(tmp, "empty.jsonl")
	mustPlay(t, fmt.Sprintf(`videotestsrc num-buffers=3 ! xclipmetapublish file-path=%s file-format=json ! `+
		`xclipmetapublish file-path=%s ! fakesink`, array, lines), runOpts{})
	if b, err := os.ReadFile(array); err != nil || strings.TrimSpace(string(b)) != "[]" {
		t.Errorf("%s: %q, %v; want []", array, b, err)
	}
	if b, err := os.ReadFile(lines); err != nil || len(b) != 0 {
		t.Errorf("%s: %q, %v; want empty", lines, b, err)
	}
}

// stdoutHelperEnv makes the test binary run stdoutHelper instead of the tests: TestStdout reads what
// it writes.
const stdoutHelperEnv = "XMP_STDOUT_HELPER"

// stdoutHelper runs the pipeline of $XMP_STDOUT_HELPER with file-path=- (the default) and reports the
// bus results on stderr, one ParseString-able line each.
func stdoutHelper() int {
	p, err := gst.NewPipelineFromString(os.Getenv(stdoutHelperEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	bus := p.GetPipelineBus()
	_ = p.SetState(gst.StatePlaying)
	defer p.SetState(gst.StateNull)
	for {
		msg := bus.TimedPop(gst.ClockTime(3 * time.Minute))
		if msg == nil {
			fmt.Fprintln(os.Stderr, "timeout")
			return 3
		}
		switch msg.Type() {
		case gst.MessageEOS:
			return 0
		case gst.MessageError:
			fmt.Fprintln(os.Stderr, msg.ParseError())
			return 4
		case gst.MessageElement:
			if r, ok := xclipfilter.ParseMessage(msg); ok {
				fmt.Fprintf(os.Stderr, "RESULT %d %v\n", r.Window, r.TopLabel)
			}
		}
	}
}

// TestStdout: the default file-path "-" writes json-lines to standard output.
func TestStdout(t *testing.T) {
	dir := tinyA(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), stdoutHelperEnv+"="+fileDesc(dir, 7, "xclipmetapublish source=stdout-test"))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("helper: %v\n%s", err, stderr.String())
	}
	var results []string
	for _, l := range strings.Split(stderr.String(), "\n") {
		if strings.HasPrefix(l, "RESULT ") {
			results = append(results, strings.TrimPrefix(l, "RESULT "))
		}
	}
	var docs []doc
	for _, l := range strings.Split(stdout.String(), "\n") {
		if strings.HasPrefix(l, "{") {
			docs = append(docs, decode(t, []byte(l)))
		}
	}
	if len(results) != 3 || len(docs) != len(results) {
		t.Fatalf("%d results, %d documents on stdout, want 3:\n%s", len(results), len(docs), stdout.String())
	}
	for i, d := range docs {
		if got := fmt.Sprintf("%d %v", d.Window, d.TopLabel); got != results[i] || d.Source != "stdout-test" {
			t.Errorf("document %d: %s from %s, want %s from stdout-test", i, got, d.Source, results[i])
		}
	}
}
