package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/xclipfilter/xclipfilter/model/hub"
)

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// runDownload fetches a checkpoint (or chosen files of a dataset) into the Hugging Face cache and prints
// only the snapshot folder on stdout, so that scripts can write dir=$(xclip download ID).
func runDownload(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("download", stderr)
	dataset := fs.Bool("dataset", false, "ID is a dataset repository (then give the files with --file)")
	var files stringList
	fs.Var(&files, "file", "fetch this file only (repeatable); default for models: what an X-CLIP checkpoint needs")
	fs.Usage = func() {
		fmt.Fprint(stderr, "usage: xclip download ORG/NAME[@REVISION] [--dataset] [--file NAME]...\n\n"+
			"Fetches into the Hugging Face cache ($HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub)\n"+
			"and prints the snapshot folder. HF_ENDPOINT, HF_TOKEN and HF_HUB_OFFLINE apply.\n\n")
		fs.PrintDefaults()
	}
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageError{errors.New("give one repository id, e.g. microsoft/xclip-base-patch32")}
	}
	ref, ok := hub.ParseRef(rest[0])
	if !ok {
		return usageError{fmt.Errorf("%q is not a hub id (ORG/NAME or ORG/NAME@REVISION)", rest[0])}
	}
	want := hub.XCLIPFiles
	if *dataset {
		ref.Type = hub.Dataset
		if len(files) == 0 {
			return usageError{errors.New("--dataset needs the files to fetch: --file NAME")}
		}
	}
	if len(files) > 0 {
		want = func(get func(string) (string, error)) error {
			for _, f := range files {
				if _, err := get(f); err != nil {
					return err
				}
			}
			return nil
		}
	}
	c, err := hub.FromEnv()
	if err != nil {
		return err
	}
	c.Progress, c.Notice = progressPrinter(stderr), func(msg string) { fmt.Fprintf(stderr, "xclip: %s\n", msg) }
	dir, err := c.Snapshot(context.Background(), ref, want)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, dir)
	return nil
}

// resolveModel turns a --model value into a checkpoint folder: a folder as it is, a hub id through the
// cache (downloading what is missing, with progress on stderr).
func resolveModel(s string, stderr io.Writer) (string, error) {
	return hub.ResolveModel(context.Background(), s, progressPrinter(stderr),
		func(msg string) { fmt.Fprintf(stderr, "xclip: %s\n", msg) })
}

// progressPrinter prints download progress on stderr, a line per second or per tenth of a file at most.
func progressPrinter(stderr io.Writer) func(file string, done, total int64) {
	return hub.Throttle(time.Second, func(file string, done, total int64) {
		if total > 0 {
			fmt.Fprintf(stderr, "xclip: downloading %s: %s of %s (%d%%)\n", file, mb(done), mb(total), done*100/total)
		} else {
			fmt.Fprintf(stderr, "xclip: downloading %s: %s\n", file, mb(done))
		}
	})
}

func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }
