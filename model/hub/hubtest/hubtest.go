// Package hubtest is a fake Hugging Face hub for tests: it answers HEAD and GET on resolve URLs as
// huggingface.co does (X-Repo-Commit, ETag, X-Linked-Etag/X-Linked-Size and a 302 to a CDN on another
// host for LFS files, X-Error-Code on refusals), serves LFS bytes from a second server (the CDN), and can
// drop a connection mid-file, corrupt a file, require a token or gate a repository. Both listen on
// 127.0.0.1 only.
package hubtest

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// File is one file of a repository; LFS files are served through the CDN, like weights on the hub.
type File struct {
	Data []byte
	LFS  bool
}

// Repo is one repository as the fake hub holds it.
type Repo struct {
	Branches map[string]string          // branch or tag → commit
	Commits  map[string]map[string]File // commit → file name → file
	Private  bool                       // answers 401 RepositoryNotFound without the server's Token
	Gated    bool                       // answers 403 GatedRepo without the server's Token
}

// Request is one request either server received.
type Request struct {
	Server string // "hub" or "cdn"
	Method string
	Path   string // escaped path
	Auth   string // the Authorization header
	Range  string
}

// Server is the fake hub and its CDN.
type Server struct {
	Hub, CDN *httptest.Server
	Token    string // the token private and gated repositories accept

	mu       sync.Mutex
	repos    map[string]*Repo // "models/org/name", "datasets/org/name"
	blobs    map[string][]byte
	cutAfter map[string]int64  // sha256 → drop the connection after this many bytes, once
	stall    map[string]int64  // sha256 → stop sending after this many bytes until the client gives up, once
	corrupt  map[string]bool   // sha256 → serve one byte changed
	renamed  map[string]string // "models/org/old" → "org/new": answered with a relative redirect
	status   int               // when non-zero, the hub answers every request with it (a failing hub)
	log      []Request
}

// New starts the hub and the CDN; they close with t's cleanup.
func New(t interface{ Cleanup(func()) }) *Server {
	s := &Server{repos: map[string]*Repo{}, blobs: map[string][]byte{}, cutAfter: map[string]int64{}, stall: map[string]int64{}, corrupt: map[string]bool{}, renamed: map[string]string{}}
	s.Hub = httptest.NewServer(http.HandlerFunc(s.serveHub))
	s.CDN = httptest.NewServer(http.HandlerFunc(s.serveCDN))
	t.Cleanup(func() { s.Hub.Close(); s.CDN.Close() })
	return s
}

// Endpoint is the value for HF_ENDPOINT.
func (s *Server) Endpoint() string { return s.Hub.URL }

// Add publishes files as a new commit of a repository (kind "model" or "dataset") on branch, creating
// the repository if needed, and returns the commit hash.
func (s *Server) Add(kind, repo, branch string, files map[string]File) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := kind + "s/" + repo
	r := s.repos[key]
	if r == nil {
		r = &Repo{Branches: map[string]string{}, Commits: map[string]map[string]File{}}
		s.repos[key] = r
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha1.New()
	fmt.Fprintf(h, "%s %s %d\n", key, branch, len(r.Commits))
	for _, n := range names {
		fmt.Fprintf(h, "%s %x\n", n, sha256.Sum256(files[n].Data))
		if files[n].LFS {
			s.blobs[Sha256(files[n].Data)] = files[n].Data
		}
	}
	commit := hex.EncodeToString(h.Sum(nil))
	r.Commits[commit] = files
	r.Branches[branch] = commit
	return commit
}

// Configure changes a repository's flags under the server's lock.
func (s *Server) Configure(kind, repo string, f func(*Repo)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s.repos[kind+"s/"+repo])
}

// CutAfter makes the CDN drop the connection after n bytes of the next GET of the LFS file with this
// content.
func (s *Server) CutAfter(data []byte, n int64) {
	s.mu.Lock()
	s.cutAfter[Sha256(data)] = n
	s.mu.Unlock()
}

// Rename moves a repository: requests under the old id get a 307 with a relative Location, as the hub
// answers for a renamed repository.
func (s *Server) Rename(kind, oldRepo, newRepo string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.repos[kind+"s/"+newRepo] = s.repos[kind+"s/"+oldRepo]
	delete(s.repos, kind+"s/"+oldRepo)
	s.renamed[kind+"s/"+oldRepo] = newRepo
}

// Fail makes the hub answer every request with status (0: serve again).
func (s *Server) Fail(status int) {
	s.mu.Lock()
	s.status = status
	s.mu.Unlock()
}

// StallAfter makes the CDN send n bytes of the next GET of the LFS file with this content, then nothing
// more until the client closes the connection.
func (s *Server) StallAfter(data []byte, n int64) {
	s.mu.Lock()
	s.stall[Sha256(data)] = n
	s.mu.Unlock()
}

// Corrupt makes the CDN serve the LFS file with this content with one byte changed (same size).
func (s *Server) Corrupt(data []byte, on bool) {
	s.mu.Lock()
	s.corrupt[Sha256(data)] = on
	s.mu.Unlock()
}

// Requests returns every request received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.log...)
}

// ResetRequests forgets the requests received so far.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	s.log = nil
	s.mu.Unlock()
}

func (s *Server) record(server string, r *http.Request) {
	s.mu.Lock()
	s.log = append(s.log, Request{server, r.Method, r.URL.EscapedPath(), r.Header.Get("Authorization"), r.Header.Get("Range")})
	s.mu.Unlock()
}

// Sha256 is the hex sha256 of data: an LFS file's etag.
func Sha256(data []byte) string { h := sha256.Sum256(data); return hex.EncodeToString(h[:]) }

// GitBlobSha1 is git's object id of data: a regular file's etag.
func GitBlobSha1(data []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(data))
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}

// serveHub answers /[datasets/]org/name/resolve/REVISION/FILE.
func (s *Server) serveHub(w http.ResponseWriter, r *http.Request) {
	s.record("hub", r)
	segs := strings.Split(strings.TrimPrefix(r.URL.EscapedPath(), "/"), "/")
	kind := "models"
	if len(segs) > 0 && segs[0] == "datasets" {
		kind, segs = "datasets", segs[1:]
	}
	if len(segs) < 5 || segs[2] != "resolve" {
		http.NotFound(w, r)
		return
	}
	unesc := func(p string) string { v, _ := url.PathUnescape(p); return v }
	repo := unesc(segs[0]) + "/" + unesc(segs[1])
	rev := unesc(segs[3])
	var parts []string
	for _, p := range segs[4:] {
		parts = append(parts, unesc(p))
	}
	file := strings.Join(parts, "/")

	s.mu.Lock()
	status, newRepo := s.status, s.renamed[kind+"/"+repo]
	s.mu.Unlock()
	if status != 0 {
		w.WriteHeader(status)
		return
	}
	if newRepo != "" {
		prefix := ""
		if kind == "datasets" {
			prefix = "/datasets"
		}
		w.Header().Set("Location", prefix+"/"+newRepo+"/"+strings.Join(segs[2:], "/"))
		w.WriteHeader(http.StatusTemporaryRedirect)
		return
	}
	s.mu.Lock()
	rp := s.repos[kind+"/"+repo]
	var files map[string]File
	var commit string
	var private, gated bool
	if rp != nil {
		private, gated = rp.Private, rp.Gated
		commit = rp.Branches[rev]
		if commit == "" && rp.Commits[rev] != nil {
			commit = rev
		}
		files = rp.Commits[commit]
	}
	token := s.Token
	s.mu.Unlock()
	authed := token != "" && r.Header.Get("Authorization") == "Bearer "+token
	fail := func(status int, code, msg string) {
		if code != "" {
			w.Header().Set("X-Error-Code", code)
		}
		w.Header().Set("X-Error-Message", msg)
		w.WriteHeader(status)
	}
	switch {
	case rp == nil || (private && !authed):
		fail(http.StatusUnauthorized, "RepositoryNotFound", "Repository not found")
		return
	case gated && !authed:
		fail(http.StatusForbidden, "GatedRepo", "Access to model "+repo+" is restricted")
		return
	case files == nil:
		fail(http.StatusNotFound, "RevisionNotFound", "Invalid rev id: "+rev)
		return
	}
	w.Header().Set("X-Repo-Commit", commit)
	f, ok := files[file]
	if !ok {
		fail(http.StatusNotFound, "EntryNotFound", "Entry not found")
		return
	}
	if f.LFS {
		sum := Sha256(f.Data)
		w.Header().Set("X-Linked-Etag", `"`+sum+`"`)
		w.Header().Set("X-Linked-Size", strconv.Itoa(len(f.Data)))
		w.Header().Set("ETag", `"`+GitBlobSha1([]byte("version https://git-lfs.github.com/spec/v1\noid sha256:"+sum))+`"`)
		w.Header().Set("Location", s.CDN.URL+"/blobs/"+sum+"?sig=secret&name="+url.QueryEscape(file))
		w.WriteHeader(http.StatusFound)
		return
	}
	w.Header().Set("ETag", `"`+GitBlobSha1(f.Data)+`"`)
	serveBytes(w, r, f.Data)
}

// serveCDN answers /blobs/SHA256 with the LFS bytes, honouring Range, cuts and corruption.
func (s *Server) serveCDN(w http.ResponseWriter, r *http.Request) {
	s.record("cdn", r)
	sum := strings.TrimPrefix(r.URL.Path, "/blobs/")
	s.mu.Lock()
	data, ok := s.blobs[sum]
	cut, hasCut := s.cutAfter[sum]
	delete(s.cutAfter, sum)
	stall, hasStall := s.stall[sum]
	delete(s.stall, sum)
	if s.corrupt[sum] {
		data = append([]byte(nil), data...)
		data[len(data)/2] ^= 0xff
	}
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	if hasStall && r.Method == http.MethodGet {
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.WriteHeader(http.StatusOK)
		w.Write(data[:stall])
		w.(http.Flusher).Flush()
		<-r.Context().Done() // the client's idle timeout closes the connection
		return
	}
	if !hasCut || r.Method != http.MethodGet {
		serveBytes(w, r, data)
		return
	}
	// Drop the connection after cut bytes: headers announce the whole length, then the socket closes.
	conn, buf, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	start := rangeStart(r.Header.Get("Range"), len(data))
	body := data[start:]
	status := "200 OK"
	extra := ""
	if start > 0 {
		status = "206 Partial Content"
		extra = fmt.Sprintf("Content-Range: bytes %d-%d/%d\r\n", start, len(data)-1, len(data))
	}
	fmt.Fprintf(buf, "HTTP/1.1 %s\r\nContent-Length: %d\r\nContent-Type: application/octet-stream\r\n%s\r\n", status, len(body), extra)
	buf.Write(body[:min(int64(len(body)), cut)])
	buf.Flush()
}

// serveBytes serves data with Range support (http.ServeContent would also answer conditionals).
func serveBytes(w http.ResponseWriter, r *http.Request, data []byte) {
	start := rangeStart(r.Header.Get("Range"), len(data))
	if start < 0 {
		w.Header().Set("Content-Range", fmt.Sprintf("bytes */%d", len(data)))
		w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)-start))
	if start > 0 || r.Header.Get("Range") != "" {
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, len(data)-1, len(data)))
		w.WriteHeader(http.StatusPartialContent)
	}
	if r.Method == http.MethodGet {
		w.Write(data[start:])
	}
}

// rangeStart reads "bytes=N-": N, 0 without a Range, -1 when N is past the end.
func rangeStart(h string, size int) int {
	v, ok := strings.CutPrefix(h, "bytes=")
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSuffix(v, "-"))
	if err != nil || n >= size {
		return -1
	}
	return n
}

// Dir reads every file of a folder (following symlinks) for Add; names ending in .safetensors, .bin
// or .npy are LFS files, as on the hub.
func Dir(dir string) (map[string]File, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	files := map[string]File{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		n := e.Name()
		files[n] = File{Data: b, LFS: strings.HasSuffix(n, ".safetensors") || strings.HasSuffix(n, ".bin") || strings.HasSuffix(n, ".npy")}
	}
	return files, nil
}
