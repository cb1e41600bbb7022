// Command xclip runs X-CLIP checkpoints from the command line.
//
//	xclip info --model DIR|ORG/NAME[@REV]
//	xclip classify --model DIR|ORG/NAME[@REV] --labels "a;b;c" | --labels-file FILE [--template "a video of {}"] [--json] FRAME...
//	xclip download ORG/NAME[@REV] [--dataset] [--file NAME]...
//	xclip watch --model DIR|ORG/NAME[@REV] --labels "a;b;c" [--publish mqtt://HOST/TOPIC] NAME=URI...
//
// classify reads FRAME image files (PNG or JPEG) as one window; with more or fewer files than the model's
// num_frames, it samples them uniformly (the centres of num_frames equal segments). Given one video file
// instead, it plays it through the xclipfilter element, registered in this process
// (uridecodebin ! videoconvert ! xclipfilter blocking=true), and prints one JSON line per window.
// --labels-file reads the element's labels file format (one label per line, "name: prompt | prompt"
// averaged; see model.ParseLabelSet and examples/labels/fall.labels).
//
// Exit status: 0 success, 1 failure (bad input or a file error), 2 usage (a bad command line), 3 internal
// error (a recovered panic: a bug).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage: xclip <command> [flags]

commands:
  info      describe a checkpoint (sizes, frames, parameters, dtype)
  classify  classify one window of image files, or a video file, against labels
  bench     time windows of a checkpoint on this machine (fp32/bf16, threads, batch, vs PyTorch)
  watch     classify RTSP/HTTP/V4L2/file sources in one process, reconnecting those that drop
  download  fetch a checkpoint from the Hugging Face hub into its cache; print the snapshot folder

--model takes a checkpoint folder or a hub id, ORG/NAME[@REVISION] (fetched into the Hugging Face
cache on first use; HF_ENDPOINT, HF_HUB_CACHE, HF_HOME, HF_TOKEN and HF_HUB_OFFLINE apply).

Run "xclip <command> -h" for a command's flags.

exit status:
  0  success
  1  failure: bad input (model folder, frame, video, labels) or a file error; the message names it
  2  usage: a bad command line (unknown command or flag, missing --model, ...)
  3  internal error: a bug (a recovered panic); please report it
`

// Exit statuses, as the usage text documents them.
const (
	exitFailure  = 1 // bad input or a file error
	exitUsage    = 2 // a bad command line
	exitInternal = 3 // a recovered panic: a bug
)

// run is main without the process: tests call it.
func run(args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "xclip: internal error: %v\n", r)
			code = exitInternal
		}
	}()
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	var err error
	switch args[0] {
	case "info":
		err = runInfo(args[1:], stdout, stderr)
	case "classify":
		err = runClassify(args[1:], stdout, stderr)
	case "bench":
		err = runBench(args[1:], stdout, stderr)
	case "download":
		err = runDownload(args[1:], stdout, stderr)
	case "watch":
		err = runWatch(args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "xclip: unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "xclip %s: %v\n", args[0], err)
		return exitUsage
	}
	if err != nil {
		fmt.Fprintf(stderr, "xclip %s: %v\n", args[0], err)
		return exitFailure
	}
	return 0
}

// usageError is a mistake in the command line (exitUsage).
type usageError struct{ error }

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("xclip "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseFlags parses flags anywhere among the arguments (Go's flag stops at the first non-flag), so
// that "classify a.png b.png --json" works like "classify --json a.png b.png".
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err}
		}
		args = fs.Args()
		if len(args) == 0 {
			return rest, nil
		}
		if args[0] == "--" {
			return append(rest, args[1:]...), nil
		}
		rest = append(rest, args[0])
		args = args[1:]
	}
}
