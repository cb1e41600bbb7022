package watch

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/xclipfilter/xclipfilter/internal/golden"
)

// rtspServer is scripts/rtsp-server.py on a fixed port of 127.0.0.1, started, killed, frozen and
// restarted by the test.
type rtspServer struct {
	t      *testing.T
	script string
	port   int
	cmd    *exec.Cmd
}

// repoFile is a file of the repository, from this package's folder.
func repoFile(t *testing.T, rel string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", rel))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// start runs the server and waits for its "ready" line. Debian's python3-gi is installed for
// /usr/bin/python3, which the script names.
func (s *rtspServer) start() {
	s.t.Helper()
	cmd := exec.Command("/usr/bin/python3", s.script, "--port", strconv.Itoa(s.port))
	out, err := cmd.StdoutPipe()
	if err != nil {
		s.t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("starting the RTSP server: %v", err)
	}
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "ready ") {
				ready <- true
			}
		}
		ready <- false
	}()
	select {
	case ok := <-ready:
		if !ok {
			cmd.Wait()
			s.t.Fatalf("the RTSP server did not start (needs python3-gi, gir1.2-gst-rtsp-server-1.0; scripts/setup.sh): %s", stderr.String())
		}
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		s.t.Fatalf("the RTSP server did not say ready within 60 s: %s", stderr.String())
	}
	s.cmd = cmd
}

func (s *rtspServer) kill() {
	if s.cmd != nil {
		s.cmd.Process.Signal(syscall.SIGCONT)
		s.cmd.Process.Kill()
		s.cmd.Wait()
		s.cmd = nil
	}
}

func (s *rtspServer) signal(sig syscall.Signal) {
	s.t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.t.Fatal(err)
	}
}

// statuses keeps the latest status of every source as watch reports them.
type statuses struct {
	mu     sync.Mutex
	latest map[string]Status
	seen   map[string]map[State]bool
}

func (s *statuses) record(st Status) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latest[st.Source] = st
	if s.seen[st.Source] == nil {
		s.seen[st.Source] = map[State]bool{}
	}
	s.seen[st.Source][st.State] = true
}

func (s *statuses) get(name string) Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.latest[name]
}

// wait polls until cond holds for the statuses, failing after timeout with what it saw.
func (s *statuses) wait(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	start := time.Now()
	for time.Since(start) < timeout {
		if cond() {
			t.Logf("%s after %.1f s", what, time.Since(start).Seconds())
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("not within %v: %s; cam %+v; clip %+v", timeout, what, s.get("cam"), s.get("clip"))
}

// rssKB is this process's resident set size.
func rssKB(t *testing.T) int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.Atoi(f[1])
			return kb
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// TestWatchRTSPServerLoss: watch runs a real RTSP camera (scripts/rtsp-server.py on 127.0.0.1) and a
// file source. The server is killed and restarted on the same port several times, then frozen
// (SIGSTOP) and thawed: each time the camera's status shows the drop while the file goes on giving
// results, and the camera's results resume once the server is back. Memory does not grow across the
// restarts, and the published file has the results of both sources and the camera's statuses.
func TestWatchRTSPServerLoss(t *testing.T) {
	srv := &rtspServer{t: t, script: repoFile(t, "scripts/rtsp-server.py"), port: freePort(t)}
	srv.start()
	defer srv.kill()
	out := filepath.Join(t.TempDir(), "published.jsonl")
	st := &statuses{latest: map[string]Status{}, seen: map[string]map[State]bool{}}
	var logBuf syncBuffer
	sources, err := ParseSources([]string{"cam=rtsp://127.0.0.1:" + strconv.Itoa(srv.port) + "/test",
		"clip=" + repoFile(t, "testdata/clip.mp4")})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, sources, Config{Model: golden.Fixture(t, "xclip-tiny-a"), Labels: "a ball;a dog;nobody",
			FrameInterval: 4, StallTimeout: 5 * time.Second, StatusInterval: 500 * time.Millisecond,
			BackoffMin: 500 * time.Millisecond, BackoffMax: 2 * time.Second, Loop: true,
			Publish: Publish{Method: "file", FilePath: out}, Log: &logBuf, OnStatus: st.record})
	}()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(60 * time.Second):
			t.Error("Run did not return within 60 s of being cancelled")
		}
		if t.Failed() {
			t.Logf("watch's log:\n%s", logBuf.String())
		}
	}()
	cam := func() Status { return st.get("cam") }
	clip := func() Status { return st.get("clip") }
	st.wait(t, "results of both sources", 2*time.Minute, func() bool { return cam().Windows >= 3 && clip().Windows >= 2 })

	// Kill and restart: the drop shows, the file goes on, the camera comes back.
	var rss []int
	const cycles = 4
	for i := range cycles {
		srv.kill()
		st.wait(t, "the camera down after the server was killed", 60*time.Second, func() bool {
			s := cam()
			return s.State == StateDown || s.State == StateStarting && s.Restarts > uint64(i)
		})
		clipWindows := clip().Windows
		st.wait(t, "the file's results going on while the camera is down", 60*time.Second, func() bool {
			return clip().Windows >= clipWindows+2
		})
		if s := cam(); s.State == StatePlaying {
			t.Errorf("cycle %d: camera playing while its server is dead: %+v", i, s)
		}
		before := cam().Windows
		srv.start()
		st.wait(t, "the camera's results resuming after the server came back", 60*time.Second, func() bool {
			s := cam()
			return s.State == StatePlaying && s.Windows >= before+2
		})
		runtime.GC()
		debug.FreeOSMemory()
		rss = append(rss, rssKB(t))
		t.Logf("cycle %d: RSS %d kB, camera %+v", i, rss[i], cam())
	}
	if s := cam(); s.Restarts < cycles {
		t.Errorf("camera restarts %d after %d server losses", s.Restarts, cycles)
	}
	// The first cycle warms caches and pools; after it, a restart must not leave memory behind.
	if growth := rss[cycles-1] - rss[1]; growth > 40*1024 {
		t.Errorf("RSS grew by %d kB over %d restarts: %v kB", growth, cycles-2, rss)
	}

	// A frozen server (SIGSTOP for 15 s): no clean end; the camera is reported and restarted, and
	// comes back once the server runs again.
	srv.signal(syscall.SIGSTOP)
	restarts := cam().Restarts
	st.wait(t, "the frozen camera reported", 60*time.Second, func() bool {
		s := cam()
		return s.State != StatePlaying && s.Restarts >= restarts
	})
	time.Sleep(15 * time.Second)
	if s := cam(); s.State == StatePlaying && time.Since(s.LastResult) > 5*time.Second {
		t.Errorf("frozen camera shown as playing: %+v", s)
	}
	before := cam().Windows
	srv.signal(syscall.SIGCONT)
	st.wait(t, "the camera's results resuming after the freeze", 90*time.Second, func() bool {
		s := cam()
		return s.State == StatePlaying && s.Windows >= before+2
	})

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	done <- nil // for the deferred check
	checkPublished(t, out)
}

// checkPublished: every line is a JSON document; both sources have results; the camera's statuses
// include a drop.
func checkPublished(t *testing.T, path string) {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var d map[string]any
		if err := json.Unmarshal([]byte(line), &d); err != nil {
			t.Fatalf("line %d of the published file: %v: %s", i+1, err, line)
		}
		key := d["source"].(string) + " " + d["type"].(string)
		if d["type"] == StatusName {
			key += " " + d["state"].(string)
		}
		counts[key]++
	}
	for _, k := range []string{"cam xclip", "clip xclip", "cam " + StatusName + " down", "cam " + StatusName + " playing",
		"clip " + StatusName + " playing"} {
		if counts[k] == 0 {
			t.Errorf("no %q document published: %v", k, counts)
		}
	}
}

// syncBuffer is a bytes.Buffer for several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
