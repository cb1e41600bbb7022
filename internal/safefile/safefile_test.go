//go:build unix

package safefile

import (
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// within fails the test if f takes longer than a generous bound: a FIFO must never block.
func within(t *testing.T, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { f(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("blocked for 20 s")
	}
}

func TestReadFileRefusesWhatIsNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "config.json")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "tokenizer.json")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	zero := filepath.Join(dir, "vocab.json")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ path, what string }{
		{fifo, "a named pipe (FIFO)"},
		{sub, "a directory"},
		{zero, "a character device"},
	} {
		within(t, func() {
			_, err := ReadFile(c.path, "config.json", ConfigLimit)
			if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), c.path) || !strings.Contains(err.Error(), c.what) {
				t.Errorf("%s: error %v, want ErrNotRegular naming the path and %q", c.path, err, c.what)
			}
		})
	}
}

func TestReadFileRefusesASocket(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "s")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	// open(2) itself refuses a socket (ENXIO); either way the error names the path.
	within(t, func() {
		if _, err := ReadFile(sock, "config.json", ConfigLimit); err == nil || !strings.Contains(err.Error(), sock) {
			t.Errorf("error %v, want one naming %s", err, sock)
		}
	})
}

func TestReadFileCapsTheSize(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "labels.txt")
	if err := os.WriteFile(p, []byte(strings.Repeat("a\n", 600)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(p, "labels file", 1000); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "1000-byte limit for a labels file") {
		t.Errorf("error %v, want ErrTooLarge naming the limit", err)
	}
	b, err := ReadFile(p, "labels file", 1200)
	if err != nil || len(b) != 1200 {
		t.Errorf("at the limit: %d bytes, %v", len(b), err)
	}
	// Through a symlink, as the hub cache stores files.
	link := filepath.Join(dir, "link.txt")
	if err := os.Symlink(p, link); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadFile(link, "labels file", 0); err != nil || len(b) != 1200 {
		t.Errorf("through a symlink: %d bytes, %v", len(b), err)
	}
	if _, err := ReadFile(filepath.Join(dir, "none"), "labels file", 10); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v, want ErrNotExist", err)
	}
}

func TestOpenedFileBlocks(t *testing.T) {
	// O_NONBLOCK is cleared after the check: the descriptor reads as any other.
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Open(p, "frame", FrameLimit)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fl, err := fcntlFlags(f)
	if err != nil {
		t.Fatal(err)
	}
	if fl&syscall.O_NONBLOCK != 0 {
		t.Error("O_NONBLOCK still set")
	}
}
