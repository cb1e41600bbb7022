package xclipfilter

/*
#include "xclip.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/xclipfilter/xclipfilter/model"
)

// Labels from the labels or labels-file property, and the labels-file watcher: while the element
// runs, a goroutine looks at labels-file every labelsPoll and rereads it once a change has held still
// for one poll (an editor still writing is not read half-way); setting labels-file in PAUSED or
// PLAYING, to a new path or the same one, rereads it at once. A file that does not read or parse is a
// warning naming the file, line and problem, and the labels in use stay; a good one is encoded off the
// streaming thread like a labels change, and posts "xclip-labels" once in use.

// labelsPoll is how often the watcher looks at labels-file (its size and modification time).
const labelsPoll = time.Second

// labelUpdate is a label set to encode, with the per-label event thresholds its labels file sets
// (none for the labels property).
type labelUpdate struct {
	set        model.LabelSet
	thresholds map[string]fileThreshold
}

// fileThreshold is a labels file's "[entry]" or "[entry/exit]"; exit is model.NoThreshold for
// "[entry]": event-exit-threshold then, or entry when that is lower.
type fileThreshold struct{ entry, exit float64 }

// labelsOf resolves the labels of a start.
func labelsOf(s settings) (labelUpdate, error) {
	if s.labels != "" && s.labelsFile != "" {
		return labelUpdate{}, settingsError("both labels and labels-file are set: set one of them")
	}
	if s.labelsFile != "" {
		upd, err := readLabelsFile(s.labelsFile, s.template)
		var le *model.LineError
		switch {
		case errors.As(err, &le) || errors.Is(err, model.ErrNoLabels):
			return labelUpdate{}, settingsError("labels-file: %v", err)
		case err != nil:
			return labelUpdate{}, &startError{domainResource, codeNotFound, fmt.Sprintf("cannot read labels-file: %v", err)}
		}
		return upd, nil
	}
	if strings.TrimSpace(s.labels) == "" {
		return labelUpdate{}, settingsError("no labels: set labels (e.g. labels=\"a fall;a fight;nobody\") or labels-file")
	}
	names, err := model.ParseLabels(s.labels)
	if err != nil {
		return labelUpdate{}, settingsError("%v", err)
	}
	return labelUpdate{set: model.PlainLabelSet(s.template, names)}, nil
}

// readLabelsFile reads and parses a labels file: errors name the file and the line.
func readLabelsFile(path, template string) (labelUpdate, error) {
	labels, err := model.ReadLabelsFile(path)
	if err != nil {
		return labelUpdate{}, err
	}
	upd := labelUpdate{set: model.NewLabelSet(template, labels)}
	for _, l := range labels {
		if l.Entry != model.NoThreshold {
			if upd.thresholds == nil {
				upd.thresholds = map[string]fileThreshold{}
			}
			upd.thresholds[l.Name] = fileThreshold{l.Entry, l.Exit}
		}
	}
	return upd, nil
}

// withFileThresholds adds a labels file's thresholds to cfg's overrides, under those of
// event-thresholds: the property names labels for this pipeline, the file is the labels' author's
// default. defaultExit (event-exit-threshold) completes an "[entry]".
func withFileThresholds(cfg EventConfig, file map[string]fileThreshold, defaultExit float64) EventConfig {
	if len(file) == 0 {
		return cfg
	}
	merged := make(map[string]Thresholds, len(cfg.Overrides)+len(file))
	for name, t := range file {
		exit := t.exit
		if exit == model.NoThreshold {
			exit = math.Min(defaultExit, t.entry)
		}
		merged[name] = Thresholds{t.entry, exit}
	}
	for name, t := range cfg.Overrides {
		merged[name] = t
	}
	cfg.Overrides = merged
	return cfg
}

// fileStamp is what the watcher compares: a changed file has another size, modification time or
// inode (an editor that writes a new file and renames it over the old one). err is set when it cannot
// be read.
type fileStamp struct {
	path  string
	mod   int64 // ns since 1970
	size  int64
	inode uint64
	err   string
}

func stampOf(path string) fileStamp {
	fi, err := os.Stat(path) // follows symlinks: a swapped link target counts as a change
	if err != nil {
		return fileStamp{path: path, err: err.Error()}
	}
	s := fileStamp{path: path, mod: fi.ModTime().UnixNano(), size: fi.Size()}
	if sys, ok := fi.Sys().(*syscall.Stat_t); ok {
		s.inode = uint64(sys.Ino)
	}
	return s
}

// watchLabels runs from start to stop on its own goroutine; loaded is the stamp of the file read at
// start (zero when the labels came from the labels property).
func (f *filter) watchLabels(st *state, loaded fileStamp) {
	defer st.watchWG.Done()
	defer func() {
		if p := recover(); p != nil {
			f.internalError("labels-file watcher", p)
		}
	}()
	tick := time.NewTicker(labelsPoll)
	defer tick.Stop()
	seen := loaded        // the version last read (or that failed to read)
	var moving *fileStamp // a change seen at the last poll, read when it holds still
	for {
		poked := false
		select {
		case <-st.watchStop:
			return
		case <-st.watchPoke:
			poked = true
		case <-tick.C:
		}
		f.mu.Lock()
		path, template := f.set.labelsFile, f.set.template
		f.mu.Unlock()
		if path == "" {
			moving = nil
			continue
		}
		now := stampOf(path)
		if !poked {
			if now == seen {
				moving = nil
				continue
			}
			if moving == nil || *moving != now {
				moving = &now
				continue
			}
		}
		moving, seen = nil, now
		upd, err := readLabelsFile(path, template)
		if err != nil {
			f.refuse(fmt.Sprintf("cannot reload labels-file: %v: keeping the current labels", err))
			continue
		}
		f.log(C.GST_LEVEL_INFO, fmt.Sprintf("labels-file %s: %d labels read, encoding them", path, len(upd.set.Names)))
		f.mu.Lock()
		if f.st == st && f.set.labelsFile == path {
			st.relabel(f, upd)
		}
		f.mu.Unlock()
	}
}

// pokeLabels makes the watcher reread labels-file now. Called with f.mu held.
func (st *state) pokeLabels() {
	select {
	case st.watchPoke <- struct{}{}:
	default: // a poke is pending already
	}
}
