package main

import (
	"errors"
	"fmt"

	"github.com/xclipfilter/xclipfilter/model"
)

// labelSetOf is classify's label set: --labels "a;b;c" (each through the template) or --labels-file,
// the element's labels file format (model.ReadLabelsFile: plain labels through the template, "name:
// prompt | prompt" ensembled as written; thresholds are read and unused here).
func labelSetOf(labels, labelsFile, template string) (model.LabelSet, error) {
	switch {
	case labels != "" && labelsFile != "":
		return model.LabelSet{}, usageError{errors.New("--labels and --labels-file are both set: give one of them")}
	case labelsFile != "":
		l, err := model.ReadLabelsFile(labelsFile)
		if err != nil {
			return model.LabelSet{}, fmt.Errorf("--labels-file: %w", err)
		}
		return model.NewLabelSet(template, l), nil
	case model.SplitLabels(labels) == nil:
		return model.LabelSet{}, usageError{errors.New(`--labels is empty: give at least one label, e.g. --labels "a fall;nobody", or --labels-file`)}
	}
	names, err := model.ParseLabels(labels)
	if err != nil {
		return model.LabelSet{}, usageError{err}
	}
	return model.PlainLabelSet(template, names), nil
}
