package hub_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xclipfilter/xclipfilter/model/hub"
	"github.com/xclipfilter/xclipfilter/model/hub/hubtest"
)

// newClient is a client of the fake hub with a fresh cache and quick retries.
func newClient(t *testing.T, s *hubtest.Server) *hub.Client {
	t.Helper()
	return &hub.Client{Endpoint: s.Endpoint(), CacheDir: t.TempDir(), HTTPClient: hub.NewHTTPClient(), IdleTimeout: 20 * time.Second}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// lfsData is a few hundred KiB of bytes that are not all alike.
func lfsData(n int) []byte {
	b := make([]byte, n)
	x := uint32(12345)
	for i := range b {
		x = x*1664525 + 1013904223
		b[i] = byte(x >> 24)
	}
	return b
}

func TestParseRef(t *testing.T) {
	for _, c := range []struct {
		in       string
		ok       bool
		repo     string
		revision string
	}{
		{"microsoft/xclip-base-patch32", true, "microsoft/xclip-base-patch32", "main"},
		{"microsoft/xclip-base-patch32@v1.0", true, "microsoft/xclip-base-patch32", "v1.0"},
		{"org/name@refs/pr/1", true, "org/name", "refs/pr/1"},
		{"org/name@0123456789abcdef0123456789abcdef01234567", true, "org/name", "0123456789abcdef0123456789abcdef01234567"},
		{"Org_1/some.name-2", true, "Org_1/some.name-2", "main"},
		{"./org/name", false, "", ""},
		{"/abs/path", false, "", ""},
		{"a/b/c", false, "", ""},
		{"org/..", false, "", ""},
		{"org/name@../x", false, "", ""},
		{"org/name@", false, "", ""},
		{"org/name@/x", false, "", ""},
		{"-org/name", false, "", ""},
		{"name", false, "", ""},
		{"org/na me", false, "", ""},
	} {
		r, ok := hub.ParseRef(c.in)
		if ok != c.ok || (ok && (r.Repo != c.repo || r.Revision != c.revision || r.Type != hub.Model)) {
			t.Errorf("ParseRef(%q) = %+v, %v; want %q @ %q, %v", c.in, r, ok, c.repo, c.revision, c.ok)
		}
	}
}

// TestDownloadLayout: a regular file and an LFS file land in huggingface_hub's layout: refs/main holds
// the commit, snapshots/COMMIT/FILE is a relative symlink to ../../blobs/ETAG (git sha1 for the regular
// file, sha256 for the LFS one), and the token goes to the hub but not to the CDN.
func TestDownloadLayout(t *testing.T) {
	s := hubtest.New(t)
	s.Token = "hf_secret"
	cfg := []byte(`{"model_type":"xclip"}`)
	weights := lfsData(300 << 10)
	commit := s.Add("model", "org/name", "main", map[string]hubtest.File{
		"config.json": {Data: cfg}, "model.safetensors": {Data: weights, LFS: true}})
	s.Configure("model", "org/name", func(r *hubtest.Repo) { r.Private = true })
	c := newClient(t, s)
	c.Token, c.TokenFrom = "hf_secret", "HF_TOKEN"
	var mu sync.Mutex
	var last, total int64
	c.Progress = func(file string, done, tot int64) {
		mu.Lock()
		if file == "model.safetensors" {
			last, total = done, tot
		}
		mu.Unlock()
	}
	ctx := context.Background()
	for _, f := range []struct {
		name string
		data []byte
		etag string
	}{{"config.json", cfg, hubtest.GitBlobSha1(cfg)}, {"model.safetensors", weights, hubtest.Sha256(weights)}} {
		p, err := c.Download(ctx, hub.Model, "org/name", "main", f.name)
		if err != nil {
			t.Fatal(err)
		}
		repoDir := filepath.Join(c.CacheDir, "models--org--name")
		if want := filepath.Join(repoDir, "snapshots", commit, f.name); p != want {
			t.Errorf("path %s, want %s", p, want)
		}
		target, err := os.Readlink(p)
		if err != nil {
			t.Fatalf("%s is not a symlink: %v", p, err)
		}
		if want := "../../blobs/" + f.etag; target != want {
			t.Errorf("%s -> %s, want %s", f.name, target, want)
		}
		if got := mustRead(t, p); string(got) != string(f.data) {
			t.Errorf("%s: %d bytes differ from the hub's %d", f.name, len(got), len(f.data))
		}
		if ref := mustRead(t, filepath.Join(repoDir, "refs", "main")); string(ref) != commit {
			t.Errorf("refs/main = %q, want %q", ref, commit)
		}
	}
	if last != int64(len(weights)) || total != int64(len(weights)) {
		t.Errorf("last progress %d/%d, want %d/%d", last, total, len(weights), len(weights))
	}
	hubReqs, cdnReqs := 0, 0
	for _, r := range s.Requests() {
		switch r.Server {
		case "hub":
			hubReqs++
			if r.Auth != "Bearer hf_secret" {
				t.Errorf("hub request %s %s without the token (%q)", r.Method, r.Path, r.Auth)
			}
		case "cdn":
			cdnReqs++
			if r.Auth != "" {
				t.Errorf("the token was sent to the CDN: %s %s", r.Method, r.Path)
			}
		}
	}
	if hubReqs != 3 || cdnReqs != 1 { // HEAD+GET config.json, HEAD model.safetensors; GET on the CDN
		t.Errorf("%d hub and %d CDN requests, want 3 and 1: %+v", hubReqs, cdnReqs, s.Requests())
	}
	// Cached: a second call asks the hub for metadata only, and downloads nothing.
	s.ResetRequests()
	if _, err := c.Download(ctx, hub.Model, "org/name", "main", "model.safetensors"); err != nil {
		t.Fatal(err)
	}
	if r := s.Requests(); len(r) != 1 || r[0].Method != "HEAD" {
		t.Errorf("cached file: requests %+v, want one HEAD", r)
	}
	// By commit hash: no request at all.
	s.ResetRequests()
	if _, err := c.Download(ctx, hub.Model, "org/name", commit, "model.safetensors"); err != nil {
		t.Fatal(err)
	}
	if r := s.Requests(); len(r) != 0 {
		t.Errorf("cached commit: requests %+v, want none", r)
	}
}

// TestResume: a connection cut mid-file is resumed with a Range request within the same call, and an
// .incomplete file left by an earlier call is resumed by the next one.
func TestResume(t *testing.T) {
	s := hubtest.New(t)
	weights := lfsData(500 << 10)
	commit := s.Add("model", "org/name", "main", map[string]hubtest.File{"model.safetensors": {Data: weights, LFS: true}})
	c := newClient(t, s)
	ctx := context.Background()

	s.CutAfter(weights, 123456)
	p, err := c.Download(ctx, hub.Model, "org/name", "main", "model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	if string(mustRead(t, p)) != string(weights) {
		t.Fatal("resumed file differs")
	}
	var ranges []string
	for _, r := range s.Requests() {
		if r.Server == "cdn" {
			ranges = append(ranges, r.Range)
		}
	}
	if len(ranges) != 2 || ranges[0] != "" || ranges[1] != "bytes=123456-" {
		t.Errorf("CDN requests with ranges %q, want none then bytes=123456-", ranges)
	}

	// Across calls: a partial blob from an interrupted run.
	c2 := newClient(t, s)
	blob := filepath.Join(c2.CacheDir, "models--org--name", "blobs", hubtest.Sha256(weights))
	if err := os.MkdirAll(filepath.Dir(blob), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(blob+".incomplete", weights[:200000], 0o644); err != nil {
		t.Fatal(err)
	}
	s.ResetRequests()
	p, err = c2.Download(ctx, hub.Model, "org/name", commit, "model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	if string(mustRead(t, p)) != string(weights) {
		t.Fatal("file resumed across calls differs")
	}
	if _, err := os.Stat(blob + ".incomplete"); !os.IsNotExist(err) {
		t.Errorf(".incomplete left behind: %v", err)
	}
	var got []string
	for _, r := range s.Requests() {
		if r.Server == "cdn" {
			got = append(got, r.Range)
		}
	}
	if len(got) != 1 || got[0] != "bytes=200000-" {
		t.Errorf("CDN ranges %q, want [bytes=200000-]", got)
	}
}

// TestStalledDownload: a connection that stops sending is abandoned after IdleTimeout and the download
// resumes where it stopped.
func TestStalledDownload(t *testing.T) {
	s := hubtest.New(t)
	weights := lfsData(200 << 10)
	s.Add("model", "org/name", "main", map[string]hubtest.File{"model.safetensors": {Data: weights, LFS: true}})
	c := newClient(t, s)
	c.IdleTimeout = 300 * time.Millisecond
	s.StallAfter(weights, 50000)
	start := time.Now()
	p, err := c.Download(context.Background(), hub.Model, "org/name", "main", "model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	if string(mustRead(t, p)) != string(weights) {
		t.Fatal("file differs after a stall")
	}
	var ranges []string
	for _, r := range s.Requests() {
		if r.Server == "cdn" {
			ranges = append(ranges, r.Range)
		}
	}
	if len(ranges) != 2 || ranges[1] != "bytes=50000-" {
		t.Errorf("CDN ranges %q, want a resume at bytes=50000-", ranges)
	}
	if d := time.Since(start); d > time.Minute {
		t.Errorf("took %v", d)
	}
}

// TestConcurrentDownloads: downloads of the same file into one cache at once (two elements starting
// together) are serialized by the blob lock and all get the whole file.
func TestConcurrentDownloads(t *testing.T) {
	s := hubtest.New(t)
	weights := lfsData(400 << 10)
	s.Add("model", "org/name", "main", map[string]hubtest.File{"model.safetensors": {Data: weights, LFS: true}})
	c := newClient(t, s)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := c.Download(context.Background(), hub.Model, "org/name", "main", "model.safetensors")
			if err == nil {
				if b, rerr := os.ReadFile(p); rerr != nil || string(b) != string(weights) {
					err = errors.New("wrong contents")
				}
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("download %d: %v", i, err)
		}
	}
	gets := 0
	for _, r := range s.Requests() {
		if r.Server == "cdn" {
			gets++
		}
	}
	if gets != 1 {
		t.Errorf("%d CDN downloads, want 1 (the others waited for the lock and found the blob)", gets)
	}
}

// TestCorruptRefused: bytes whose sha256 is not the linked etag are discarded, nothing is linked, and the
// next call downloads a good copy.
func TestCorruptRefused(t *testing.T) {
	s := hubtest.New(t)
	weights := lfsData(100 << 10)
	commit := s.Add("model", "org/name", "main", map[string]hubtest.File{"model.safetensors": {Data: weights, LFS: true}})
	c := newClient(t, s)
	s.Corrupt(weights, true)
	_, err := c.Download(context.Background(), hub.Model, "org/name", "main", "model.safetensors")
	if err == nil || !strings.Contains(err.Error(), "sha256") || !strings.Contains(err.Error(), "model.safetensors") {
		t.Fatalf("corrupt download: err = %v, want a sha256 mismatch naming the file", err)
	}
	repoDir := filepath.Join(c.CacheDir, "models--org--name")
	for _, p := range []string{
		filepath.Join(repoDir, "blobs", hubtest.Sha256(weights)),
		filepath.Join(repoDir, "blobs", hubtest.Sha256(weights)+".incomplete"),
		filepath.Join(repoDir, "snapshots", commit, "model.safetensors"),
	} {
		if _, err := os.Lstat(p); !os.IsNotExist(err) {
			t.Errorf("%s exists after a corrupt download", p)
		}
	}
	s.Corrupt(weights, false)
	p, err := c.Download(context.Background(), hub.Model, "org/name", "main", "model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	if string(mustRead(t, p)) != string(weights) {
		t.Error("good download differs")
	}
}

// TestErrors: each refusal names what is wrong, never prints the token, and a 404 for a file leaves a
// .no_exist marker that the cache then honours.
func TestErrors(t *testing.T) {
	s := hubtest.New(t)
	s.Token = "hf_right"
	commit := s.Add("model", "org/name", "main", map[string]hubtest.File{"config.json": {Data: []byte("{}")}})
	s.Add("model", "org/private", "main", map[string]hubtest.File{"config.json": {Data: []byte("{}")}})
	s.Configure("model", "org/private", func(r *hubtest.Repo) { r.Private = true })
	s.Add("model", "org/gated", "main", map[string]hubtest.File{"config.json": {Data: []byte("{}")}})
	s.Configure("model", "org/gated", func(r *hubtest.Repo) { r.Gated = true })
	ctx := context.Background()
	c := newClient(t, s)
	withToken := newClient(t, s)
	withToken.Token, withToken.TokenFrom = "hf_wrong_token", "HF_TOKEN"

	for _, tc := range []struct {
		c               *hub.Client
		repo, rev, file string
		kind            error
		want            []string
	}{
		{c, "org/missing", "main", "config.json", hub.ErrRepoNotFound, []string{`"org/missing"`, "not found", "HF_TOKEN is not set"}},
		{c, "org/name", "v9", "config.json", hub.ErrRevisionNotFound, []string{`revision "v9"`, `"org/name"`}},
		{c, "org/name", "main", "nothing.bin", hub.ErrEntryNotFound, []string{`"nothing.bin"`, `"org/name"`}},
		{c, "org/gated", "main", "config.json", hub.ErrGated, []string{"gated", "org/gated", "HF_TOKEN is not set"}},
		{c, "org/private", "main", "config.json", hub.ErrRepoNotFound, []string{"org/private", "HF_TOKEN is not set"}},
		{withToken, "org/private", "main", "config.json", hub.ErrRepoNotFound, []string{"org/private", "a token from HF_TOKEN was sent"}},
	} {
		_, err := tc.c.Download(ctx, hub.Model, tc.repo, tc.rev, tc.file)
		if !errors.Is(err, tc.kind) {
			t.Errorf("%s@%s/%s: err = %v, want %v", tc.repo, tc.rev, tc.file, err, tc.kind)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s@%s/%s: %q does not say %q", tc.repo, tc.rev, tc.file, err, w)
			}
		}
		if strings.Contains(err.Error(), "hf_wrong_token") {
			t.Errorf("the token is in the error: %v", err)
		}
	}
	marker := filepath.Join(c.CacheDir, "models--org--name", ".no_exist", commit, "nothing.bin")
	if fi, err := os.Stat(marker); err != nil || fi.Size() != 0 {
		t.Fatalf(".no_exist marker: %v", err)
	}
	// The marker answers without the hub: offline by branch, and online by commit hash.
	s.ResetRequests()
	c.Offline = true
	if _, err := c.Download(ctx, hub.Model, "org/name", "main", "nothing.bin"); !errors.Is(err, hub.ErrEntryNotFound) {
		t.Errorf("offline with a .no_exist marker: err = %v, want ErrEntryNotFound", err)
	}
	c.Offline = false
	if _, err := c.Download(ctx, hub.Model, "org/name", commit, "nothing.bin"); !errors.Is(err, hub.ErrEntryNotFound) {
		t.Errorf("commit with a .no_exist marker: err = %v, want ErrEntryNotFound", err)
	}
	if r := s.Requests(); len(r) != 0 {
		t.Errorf("the .no_exist marker did not spare requests: %+v", r)
	}
}

// TestOfflineAndUnreachable: HF_HUB_OFFLINE uses the cache only; an unreachable hub falls back to the
// cached snapshot of the revision with a notice; an uncached file then fails saying why.
func TestOfflineAndUnreachable(t *testing.T) {
	s := hubtest.New(t)
	weights := lfsData(64 << 10)
	commit := s.Add("model", "org/name", "main", map[string]hubtest.File{
		"config.json": {Data: []byte("{}")}, "model.safetensors": {Data: weights, LFS: true}, "extra.txt": {Data: []byte("x")}})
	c := newClient(t, s)
	ctx := context.Background()
	want, err := c.Download(ctx, hub.Model, "org/name", "main", "model.safetensors")
	if err != nil {
		t.Fatal(err)
	}

	s.ResetRequests()
	off := *c
	off.Offline = true
	if p, err := off.Download(ctx, hub.Model, "org/name", "main", "model.safetensors"); err != nil || p != want {
		t.Errorf("offline: %q, %v; want %q", p, err, want)
	}
	_, err = off.Download(ctx, hub.Model, "org/name", "main", "extra.txt")
	if !errors.Is(err, hub.ErrNotCached) || !strings.Contains(err.Error(), "HF_HUB_OFFLINE") || !strings.Contains(err.Error(), "extra.txt") {
		t.Errorf("offline, uncached: err = %v", err)
	}
	_, err = off.Download(ctx, hub.Model, "org/other", "main", "config.json")
	if !errors.Is(err, hub.ErrNotCached) || !strings.Contains(err.Error(), "org/other") {
		t.Errorf("offline, unknown repository: err = %v", err)
	}
	if r := s.Requests(); len(r) != 0 {
		t.Errorf("offline made requests: %+v", r)
	}

	// The hub goes away: connection refused.
	s.Hub.Close()
	s.CDN.Close()
	var notices []string
	c.Notice = func(m string) { notices = append(notices, m) }
	if p, err := c.Download(ctx, hub.Model, "org/name", "main", "model.safetensors"); err != nil || p != want {
		t.Errorf("unreachable: %q, %v; want the cached %q", p, err, want)
	}
	if len(notices) != 1 || !strings.Contains(notices[0], "cannot reach") || !strings.Contains(notices[0], commit) {
		t.Errorf("notices %q, want one saying the cache was used", notices)
	}
	_, err = c.Download(ctx, hub.Model, "org/name", "main", "extra.txt")
	if !errors.Is(err, hub.ErrNotCached) || !strings.Contains(err.Error(), "cannot reach the hub") {
		t.Errorf("unreachable, uncached: err = %v", err)
	}
}

// TestRenamedAndFailingHub: a renamed repository's relative redirect is followed (the cache keeps the
// name asked for, as huggingface_hub's); a hub answering 503 counts as unreachable and the cache
// stands in.
func TestRenamedAndFailingHub(t *testing.T) {
	s := hubtest.New(t)
	weights := lfsData(10000)
	s.Add("model", "org/old", "main", map[string]hubtest.File{"model.safetensors": {Data: weights, LFS: true}})
	s.Rename("model", "org/old", "org/new")
	c := newClient(t, s)
	p, err := c.Download(context.Background(), hub.Model, "org/old", "main", "model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p, "models--org--old") || string(mustRead(t, p)) != string(weights) {
		t.Errorf("renamed: %s", p)
	}
	s.Fail(503)
	var notices []string
	c.Notice = func(m string) { notices = append(notices, m) }
	if q, err := c.Download(context.Background(), hub.Model, "org/old", "main", "model.safetensors"); err != nil || q != p {
		t.Errorf("503: %q, %v; want the cached %q", q, err, p)
	}
	if len(notices) != 1 || !strings.Contains(notices[0], "503") {
		t.Errorf("notices %q", notices)
	}
	_, err = c.Download(context.Background(), hub.Model, "org/old", "main", "other.bin")
	if !errors.Is(err, hub.ErrNotCached) || !strings.Contains(err.Error(), "503") {
		t.Errorf("503, uncached: %v", err)
	}
}

// TestDatasetAndRevisionPath: dataset repositories use /datasets/ URLs and datasets-- folders; a
// revision with slashes is one escaped URL segment and a nested refs file, as in huggingface_hub.
func TestDatasetAndRevisionPath(t *testing.T) {
	s := hubtest.New(t)
	video := lfsData(4000)
	commit := s.Add("dataset", "hf-internal-testing/spaghetti-video", "refs/pr/1", map[string]hubtest.File{
		"eating_spaghetti_8_frames.npy": {Data: video, LFS: true}})
	c := newClient(t, s)
	p, err := c.Download(context.Background(), hub.Dataset, "hf-internal-testing/spaghetti-video", "refs/pr/1", "eating_spaghetti_8_frames.npy")
	if err != nil {
		t.Fatal(err)
	}
	repoDir := filepath.Join(c.CacheDir, "datasets--hf-internal-testing--spaghetti-video")
	if want := filepath.Join(repoDir, "snapshots", commit, "eating_spaghetti_8_frames.npy"); p != want {
		t.Errorf("path %s, want %s", p, want)
	}
	if ref := mustRead(t, filepath.Join(repoDir, "refs", "refs", "pr", "1")); string(ref) != commit {
		t.Errorf("refs/refs/pr/1 = %q", ref)
	}
	if r := s.Requests()[0]; r.Path != "/datasets/hf-internal-testing/spaghetti-video/resolve/refs%2Fpr%2F1/eating_spaghetti_8_frames.npy" {
		t.Errorf("request path %s", r.Path)
	}
}

// TestSnapshotSharded: a sharded checkpoint fetches the index and every shard (and remembers that
// model.safetensors is absent); an index naming a path outside the snapshot is refused.
func TestSnapshotSharded(t *testing.T) {
	s := hubtest.New(t)
	index := `{"metadata":{},"weight_map":{"a":"model-00001-of-00002.safetensors","b":"model-00002-of-00002.safetensors","c":"model-00001-of-00002.safetensors"}}`
	files := map[string]hubtest.File{
		"config.json":                      {Data: []byte("{}")},
		"model.safetensors.index.json":     {Data: []byte(index)},
		"model-00001-of-00002.safetensors": {Data: lfsData(1000), LFS: true},
		"model-00002-of-00002.safetensors": {Data: lfsData(2000), LFS: true},
		"vocab.json":                       {Data: []byte("{}")},
		"merges.txt":                       {Data: []byte("#version: 0.2\n")},
	}
	commit := s.Add("model", "org/sharded", "main", files)
	c := newClient(t, s)
	dir, err := c.Snapshot(context.Background(), hub.Ref{Type: hub.Model, Repo: "org/sharded", Revision: "main"}, hub.XCLIPFiles)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(dir) != commit {
		t.Errorf("snapshot %s, want commit %s", dir, commit)
	}
	for name, f := range files {
		if got := mustRead(t, filepath.Join(dir, name)); string(got) != string(f.Data) {
			t.Errorf("%s differs", name)
		}
	}
	for _, absent := range []string{"model.safetensors", "tokenizer.json", "preprocessor_config.json"} {
		if _, err := os.Stat(filepath.Join(c.CacheDir, "models--org--sharded", ".no_exist", commit, absent)); err != nil {
			t.Errorf("no .no_exist marker for %s: %v", absent, err)
		}
	}

	files["model.safetensors.index.json"] = hubtest.File{Data: []byte(`{"weight_map":{"a":"../../evil.safetensors"}}`)}
	s.Add("model", "org/sharded", "main", files)
	_, err = c.Snapshot(context.Background(), hub.Ref{Type: hub.Model, Repo: "org/sharded", Revision: "main"}, hub.XCLIPFiles)
	if err == nil || !strings.Contains(err.Error(), "not a plain file name") {
		t.Errorf("index with a path: err = %v", err)
	}

	// No tokenizer at all.
	s.Add("model", "org/notok", "main", map[string]hubtest.File{"config.json": {Data: []byte("{}")}, "pytorch_model.bin": {Data: lfsData(10), LFS: true}})
	_, err = c.Snapshot(context.Background(), hub.Ref{Type: hub.Model, Repo: "org/notok", Revision: "main"}, hub.XCLIPFiles)
	if err == nil || !strings.Contains(err.Error(), "no tokenizer") {
		t.Errorf("no tokenizer: err = %v", err)
	}
}

func TestThrottle(t *testing.T) {
	var got []int64
	p := hub.Throttle(time.Hour, func(_ string, done, _ int64) { got = append(got, done) })
	for i := int64(0); i <= 1000; i++ {
		p("f", i, 1000)
	}
	// Start, each tenth (100, 200, ... 900), the end.
	if len(got) != 11 || got[0] != 0 || got[1] != 100 || got[10] != 1000 {
		t.Errorf("reported %v", got)
	}
}
