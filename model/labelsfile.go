package model

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/xclipfilter/xclipfilter/internal/safefile"
)

// A labels file (the element's labels-file, the CLI's --labels-file) holds one label per line:
//
//	# a comment: blank lines and lines starting with # are skipped
//	nobody
//	a fall: a person falling down | someone collapsing to the floor | a fall [0.5/0.3]
//	a fight [0.7]
//
// A line without ":" is a plain label, its prompt being the prompt template applied to it (as the
// labels property's entries are). A line "name: prompt | prompt ..." names a label and gives the texts
// the text encoder reads for it, used as written (the template does not apply): several prompts are
// averaged into one text embedding (CLIP's prompt ensembling, see EnsemblePrompts). An optional
// "[entry]" or "[entry/exit]" at the end of a line sets the label's event thresholds (scores 0-1, exit
// at most entry). The name comes before the first ":", so a label name cannot contain ":"; a "|" on a
// line without ":" is refused (prompts need a name), and a trailing "[...]" is always thresholds.
// Files of plain labels without ":", "|" or a trailing "[...]" (the format before prompt ensembling)
// read as they always did.

// Limits on the prompts of a label set, beside MaxLabels and MaxLabelBytes (which bounds a name and
// each prompt). MaxPrompts is the text-feature cache's size: a reload of an edited file then
// re-encodes only the prompts that changed. 64 prompts a label is past CLIP's 80 ImageNet templates
// per class divided among a few wordings.
const (
	MaxPromptsPerLabel = 64
	MaxPrompts         = maxCachedLabels
)

// NoThreshold marks a threshold a labels file line does not set.
const NoThreshold = -1.0

// Label is one line of a labels file.
type Label struct {
	Name string
	// Prompts are the texts to encode for the label, averaged when there are several; nil for a plain
	// label, whose prompt is the prompt template applied to Name.
	Prompts []string
	// Entry and Exit are the label's event thresholds, NoThreshold when the line does not set them
	// (Exit is NoThreshold too when the line gives only "[entry]").
	Entry, Exit float64
	Line        int // from 1
}

// ErrNoLabels is the error of a labels file without a label.
var ErrNoLabels = errors.New("no labels (one label per line: \"name\" or \"name: prompt | prompt\")")

// LineError is a labels file line that does not parse, or breaks a limit.
type LineError struct {
	Line int // from 1
	Msg  string
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// ParseLabelSet reads the text of a labels file (syntax above) and checks its limits: at most
// MaxLabels labels, names and prompts of at most MaxLabelBytes, at most MaxPromptsPerLabel prompts a
// label and MaxPrompts in all, no name twice. The first problem is a *LineError naming the line (for
// too many labels, the first one past the limit); a file without labels is ErrNoLabels.
func ParseLabelSet(text string) ([]Label, error) {
	var out []Label
	seen := map[string]int{} // name → its line
	prompts, tooMany := 0, 0 // prompts so far; the line where they went past MaxPrompts
	for i, line := range strings.Split(text, "\n") {
		n := i + 1
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		l, err := parseLabelLine(line)
		if err != nil {
			return nil, &LineError{n, err.Error()}
		}
		l.Line = n
		if prev, ok := seen[l.Name]; ok {
			return nil, &LineError{n, fmt.Sprintf("label %.80q repeats line %d", l.Name, prev)}
		}
		seen[l.Name] = n
		if prompts += max(len(l.Prompts), 1); prompts > MaxPrompts && tooMany == 0 {
			tooMany = n
		}
		out = append(out, l)
	}
	if len(out) == 0 {
		return nil, ErrNoLabels
	}
	if len(out) > MaxLabels {
		return nil, &LineError{out[MaxLabels].Line, fmt.Sprintf("%d labels: at most %d are allowed", len(out), MaxLabels)}
	}
	if tooMany > 0 {
		return nil, &LineError{tooMany, fmt.Sprintf("%d prompts: at most %d are allowed in all", prompts, MaxPrompts)}
	}
	return out, nil
}

// parseLabelLine reads one trimmed, non-comment line.
func parseLabelLine(line string) (Label, error) {
	l := Label{Entry: NoThreshold, Exit: NoThreshold}
	rest := line
	if strings.HasSuffix(rest, "]") {
		if open := strings.LastIndexByte(rest, '['); open >= 0 {
			var err error
			if l.Entry, l.Exit, err = parseLineThresholds(rest[open+1 : len(rest)-1]); err != nil {
				return l, err
			}
			rest = strings.TrimSpace(rest[:open])
		}
	}
	name, after, named := strings.Cut(rest, ":")
	l.Name = strings.TrimSpace(name)
	if l.Name == "" {
		return l, errors.New("no label name (write \"name\" or \"name: prompt | prompt\")")
	}
	if len(l.Name) > MaxLabelBytes {
		return l, fmt.Errorf("label name is %d bytes long: at most %d are allowed", len(l.Name), MaxLabelBytes)
	}
	if !named {
		if strings.Contains(l.Name, "|") {
			return l, errors.New("prompts separated by \"|\" need a label name first: write \"name: prompt | prompt\"")
		}
		return l, nil
	}
	for j, p := range strings.Split(after, "|") {
		p = strings.TrimSpace(p)
		switch {
		case p == "":
			return l, fmt.Errorf("label %.80q: prompt %d is empty", l.Name, j+1)
		case len(p) > MaxLabelBytes:
			return l, fmt.Errorf("label %.80q: prompt %d is %d bytes long: at most %d are allowed (X-CLIP reads 77 tokens)",
				l.Name, j+1, len(p), MaxLabelBytes)
		case j == MaxPromptsPerLabel:
			return l, fmt.Errorf("label %.80q has more than %d prompts", l.Name, MaxPromptsPerLabel)
		}
		l.Prompts = append(l.Prompts, p)
	}
	return l, nil
}

// parseLineThresholds reads "entry" or "entry/exit", the inside of a line's trailing brackets.
func parseLineThresholds(s string) (entry, exit float64, err error) {
	score := func(t string) (float64, error) {
		v, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
		if err != nil || !(v >= 0 && v <= 1) {
			return 0, fmt.Errorf("thresholds [%s]: %q is not a score between 0 and 1 (write [entry] or [entry/exit], e.g. [0.5/0.3])",
				s, strings.TrimSpace(t))
		}
		return v, nil
	}
	entryText, exitText, hasExit := strings.Cut(s, "/")
	if entry, err = score(entryText); err != nil {
		return 0, 0, err
	}
	exit = NoThreshold
	if hasExit {
		if exit, err = score(exitText); err != nil {
			return 0, 0, err
		}
		if exit > entry {
			return 0, 0, fmt.Errorf("thresholds [%s]: exit %g is above entry %g", s, exit, entry)
		}
	}
	return entry, exit, nil
}

// ReadLabelsFile reads and parses a labels file (a regular file of at most safefile.LabelsLimit
// bytes). Errors name the file, and the line when the text is at fault (a *LineError, or ErrNoLabels,
// wrapped).
func ReadLabelsFile(path string) ([]Label, error) {
	b, err := safefile.ReadFile(path, "labels file", safefile.LabelsLimit)
	if err != nil {
		return nil, err
	}
	labels, err := ParseLabelSet(string(b))
	if errors.Is(err, ErrNoLabels) {
		return nil, fmt.Errorf("labels file %s has %w", path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("labels file %s: %w", path, err)
	}
	return labels, nil
}

// LabelSet is what a label set's encoding needs: the names results carry, and for each the texts
// whose text embeddings are averaged into its text features (one text: that text's features).
type LabelSet struct {
	Names   []string
	Prompts [][]string // Prompts[i] belong to Names[i]; at least one each
}

// PlainLabelSet is the label set of names with one prompt each, the template applied ("{}" standing
// for the name): the labels property and the --labels flag.
func PlainLabelSet(template string, names []string) LabelSet {
	s := LabelSet{Names: append([]string(nil), names...), Prompts: make([][]string, len(names))}
	for i, p := range Prompts(template, names) {
		s.Prompts[i] = []string{p}
	}
	return s
}

// NewLabelSet is the label set of a labels file's lines: the template applies to plain labels, the
// prompts of the others are used as written.
func NewLabelSet(template string, labels []Label) LabelSet {
	s := LabelSet{Names: make([]string, len(labels)), Prompts: make([][]string, len(labels))}
	for i, l := range labels {
		s.Names[i] = l.Name
		if l.Prompts == nil {
			s.Prompts[i] = Prompts(template, []string{l.Name})
		} else {
			s.Prompts[i] = append([]string(nil), l.Prompts...)
		}
	}
	return s
}

// Check refuses a label set whose names CheckLabels refuses, or whose prompts do not match its names.
func (s LabelSet) Check() error {
	if err := CheckLabels(s.Names); err != nil {
		return err
	}
	if len(s.Prompts) != len(s.Names) {
		return fmt.Errorf("%d labels with prompts for %d", len(s.Names), len(s.Prompts))
	}
	for i, p := range s.Prompts {
		if len(p) == 0 {
			return fmt.Errorf("label %d %.80q has no prompt", i+1, s.Names[i])
		}
	}
	return nil
}

// NumPrompts is the number of texts to encode.
func (s LabelSet) NumPrompts() int {
	n := 0
	for _, p := range s.Prompts {
		n += len(p)
	}
	return n
}
