package hub

import (
	"regexp"
	"strings"
)

// RepoType is the kind of hub repository: its cache folder prefix and URL prefix differ.
type RepoType string

const (
	Model   RepoType = "model"
	Dataset RepoType = "dataset"
)

// cachePrefix is the folder prefix huggingface_hub uses (repo_folder_name): models--, datasets--.
func (t RepoType) cachePrefix() string { return string(t) + "s" }

// urlPrefix is what comes before the repository id in a resolve URL: nothing for models.
func (t RepoType) urlPrefix() string {
	if t == Model {
		return ""
	}
	return "/" + string(t) + "s"
}

// DefaultRevision is the branch used when a reference names none.
const DefaultRevision = "main"

// Ref names a hub repository at a revision (branch, tag or commit hash).
type Ref struct {
	Type     RepoType
	Repo     string // "org/name"
	Revision string // "main" when the reference named none
}

func (r Ref) String() string {
	s := r.Repo
	if r.Type == Dataset {
		s = "datasets/" + s
	}
	if r.Revision != DefaultRevision {
		s += "@" + r.Revision
	}
	return s
}

var refPattern = regexp.MustCompile(`^([A-Za-z0-9][\w.-]*/[\w.-]+)(@[\w./-]+)?$`)

// ParseRef reads "org/name" or "org/name@revision" as a model reference. It is false for anything else,
// including names with "..", so that a path is never mistaken for an id (callers try the folder first).
func ParseRef(s string) (Ref, bool) {
	m := refPattern.FindStringSubmatch(s)
	if m == nil || strings.Contains(s, "..") {
		return Ref{}, false
	}
	rev := strings.TrimPrefix(m[2], "@")
	if rev == "" {
		rev = DefaultRevision
	}
	if strings.HasPrefix(rev, "/") || strings.HasSuffix(rev, "/") || strings.Contains(rev, "//") {
		return Ref{}, false
	}
	return Ref{Type: Model, Repo: m[1], Revision: rev}, true
}

var commitPattern = regexp.MustCompile(`^[0-9a-f]{40}$`)

// isCommit reports whether a revision is a full commit hash (it then needs no refs file).
func isCommit(rev string) bool { return commitPattern.MatchString(rev) }
