package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
)

// Files chooses which files of a repository a snapshot needs. It calls get for each; get returns an
// error wrapping ErrEntryNotFound for a file the repository does not have, so optional files and
// alternatives (a single weights file, else a sharded index) are tried in order.
type Files func(get func(name string) (path string, err error)) error

// Snapshot fetches the files chosen by want at ref's revision and returns the snapshot folder
// (snapshots/COMMIT), which holds them as symlinks into the blobs. Every file comes from the commit the
// first one resolved to, so a branch that moves meanwhile cannot mix two commits. When the hub cannot be
// reached the cached snapshot of that revision is used, with a Notice.
func (c *Client) Snapshot(ctx context.Context, ref Ref, want Files) (string, error) {
	if ref.Type == "" {
		ref.Type = Model
	}
	rc, err := c.repoCache(ref.Type, ref.Repo)
	if err != nil {
		return "", err
	}
	offline, commit := c.Offline, ""
	get := func(name string) (string, error) {
		at := ref
		if commit != "" {
			at.Revision = commit
		}
		p, cm, src, err := c.fileFrom(ctx, at, name, offline)
		if src == fromFallback {
			offline = true // the hub is down: the rest comes from the cache without more attempts
		}
		if commit == "" && isCommit(cm) {
			commit = cm
		}
		if err != nil && commit != "" && at.Revision != ref.Revision {
			err = withRevision(err, ref.Revision)
		}
		return p, err
	}
	if err := want(get); err != nil {
		return "", err
	}
	if commit == "" {
		return "", fmt.Errorf("hub: %s: the file list fetched nothing", ref)
	}
	return rc.snapshotDir(commit), nil
}

// withRevision names the revision the user gave in an error about the commit it resolved to.
func withRevision(err error, rev string) error {
	var he *Error
	if errors.As(err, &he) {
		e := *he
		e.Msg += fmt.Sprintf(" (revision %q)", rev)
		return &e
	}
	return err
}

// XCLIPFiles is what model.NewClassifier reads: config.json; the weights (model.safetensors, else
// model.safetensors.index.json and every shard it names, else pytorch_model.bin); the tokenizer
// (tokenizer.json and/or vocab.json + merges.txt, with tokenizer_config.json and
// special_tokens_map.json when present); preprocessor_config.json when present. When the cache alone
// answers, an optional file it never fetched counts as absent (as transformers does offline).
func XCLIPFiles(get func(string) (string, error)) error {
	if _, err := get("config.json"); err != nil {
		return err
	}
	if err := weightFiles(get); err != nil {
		return err
	}
	have := map[string]bool{}
	for _, name := range []string{"tokenizer.json", "vocab.json", "merges.txt", "tokenizer_config.json",
		"special_tokens_map.json", "preprocessor_config.json"} {
		_, err := get(name)
		switch {
		case err == nil:
			have[name] = true
		case !absent(err):
			return err
		}
	}
	if !have["tokenizer.json"] && !(have["vocab.json"] && have["merges.txt"]) {
		return errors.New("hub: no tokenizer: neither tokenizer.json nor vocab.json + merges.txt (in the repository, or in the cache when offline)")
	}
	return nil
}

// absent is true for a file the repository lacks, or, when only the cache answers, one it lacks: as
// transformers offline, an optional file that was never fetched counts as missing.
func absent(err error) bool {
	return errors.Is(err, ErrEntryNotFound) || errors.Is(err, ErrNotCached)
}

func weightFiles(get func(string) (string, error)) error {
	_, err := get("model.safetensors")
	if err == nil || !absent(err) {
		return err
	}
	index, err := get("model.safetensors.index.json")
	if err == nil {
		shards, err := shardNames(index)
		if err != nil {
			return err
		}
		for _, s := range shards {
			if _, err := get(s); err != nil {
				return fmt.Errorf("shard of model.safetensors.index.json: %w", err)
			}
		}
		return nil
	}
	if !absent(err) {
		return err
	}
	if _, err := get("pytorch_model.bin"); err != nil {
		if absent(err) {
			return fmt.Errorf("hub: no weights: no model.safetensors, model.safetensors.index.json or pytorch_model.bin: %w", err)
		}
		return err
	}
	return nil
}

// shardNames reads the distinct files of an index's weight_map, each a plain file name (a name with a
// path in it could point outside the snapshot).
func shardNames(index string) ([]string, error) {
	b, err := os.ReadFile(index)
	if err != nil {
		return nil, fmt.Errorf("hub: %w", err)
	}
	var idx struct {
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(b, &idx); err != nil {
		return nil, fmt.Errorf("hub: model.safetensors.index.json: %w", err)
	}
	if len(idx.WeightMap) == 0 {
		return nil, errors.New("hub: model.safetensors.index.json has an empty weight_map")
	}
	seen := map[string]bool{}
	var names []string
	for tensor, f := range idx.WeightMap {
		if f == "" || f == "." || f == ".." || strings.ContainsAny(f, "/\\\x00") {
			return nil, fmt.Errorf("hub: model.safetensors.index.json puts tensor %q in %q, which is not a plain file name", tensor, f)
		}
		if !seen[f] {
			seen[f] = true
			names = append(names, f)
		}
	}
	sort.Strings(names)
	return names, nil
}

// ResolveModel is how the command line and the element read a model setting: a folder that exists is
// returned as it is; otherwise "org/name" or "org/name@revision" is fetched into the hub cache (see
// FromEnv for the environment) and its snapshot folder returned. Anything else is returned unchanged
// for the loader to report. progress and notice may be nil.
func ResolveModel(ctx context.Context, s string, progress func(file string, done, total int64), notice func(string)) (string, error) {
	if fi, err := os.Stat(s); err == nil && fi.IsDir() {
		return s, nil
	}
	ref, ok := ParseRef(s)
	if !ok {
		return s, nil
	}
	c, err := FromEnv()
	if err != nil {
		return "", fmt.Errorf("%s is not a folder, and as a hub id: %w", s, err)
	}
	c.Progress, c.Notice = progress, notice
	dir, err := c.Snapshot(ctx, ref, XCLIPFiles)
	if err != nil {
		return "", fmt.Errorf("%s is not a folder, and as a Hugging Face hub id: %w", s, err)
	}
	return dir, nil
}
