package xclipmetapublish

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// stdoutPath is the file-path that means standard output.
const stdoutPath = "-"

// fileOutput writes documents to a file or stdout: one object per line (json-lines), or the elements
// of one JSON array (json) whose brackets are written by the first document and by close.
type fileOutput struct {
	f       *os.File
	path    string
	format  int
	n       int // documents written
	counts  *counters
	failed  func(err error) // the first failed write
	warned  bool
	ownFile bool // close f at the end (not stdout)
}

// openFile creates or truncates path ("-": stdout). The error names the path.
func openFile(path string, format int, counts *counters, failed func(error)) (*fileOutput, error) {
	o := &fileOutput{path: path, format: format, counts: counts, failed: failed}
	if path == stdoutPath {
		o.f = os.Stdout
		return o, nil
	}
	if path == "" {
		return nil, errors.New("file-path is empty: set a file, or \"-\" for standard output")
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("cannot open file-path %q for writing: %v", path, err)
	}
	o.f, o.ownFile = f, true
	return o, nil
}

// write writes the document in one write call, so that a json-lines reader never sees half a line
// (the file is unbuffered: each line is flushed as it is written).
func (o *fileOutput) write(_ *document, payload []byte) {
	var b []byte
	switch {
	case o.format == formatJSONLines:
		b = append(payload, '\n')
	case o.n == 0:
		b = append([]byte("[\n"), payload...)
	default:
		b = append([]byte(",\n"), payload...)
	}
	if _, err := o.f.Write(b); err != nil {
		o.counts.dropped.Add(1)
		if !o.warned {
			o.warned = true
			o.failed(fmt.Errorf("cannot write to file-path %q: %v", o.path, err))
		}
		return
	}
	o.n++
	o.counts.published.Add(1)
}

func (o *fileOutput) poll() {}

// close ends the JSON array (an empty stream gives []) and closes the file.
func (o *fileOutput) close(time.Time) {
	if o.format == formatJSON {
		end := "\n]\n"
		if o.n == 0 {
			end = "[]\n"
		}
		if _, err := o.f.WriteString(end); err != nil && !o.warned {
			o.warned = true
			o.failed(fmt.Errorf("cannot write to file-path %q: %v", o.path, err))
		}
	}
	if o.ownFile {
		if err := o.f.Close(); err != nil && !o.warned {
			o.failed(fmt.Errorf("cannot close file-path %q: %v", o.path, err))
		}
	}
}
