package xclipfilter

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLabelsFileRefusesWhatIsNotARegularFile checks a labels-file that is a FIFO, /dev/zero or too large
// is refused at once with an error naming it, instead of blocking start or reading until memory runs out.
func TestLabelsFileRefusesWhatIsNotARegularFile(t *testing.T) {
	tmp := t.TempDir()
	fifo := filepath.Join(tmp, "labels.fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	zero := filepath.Join(tmp, "labels.zero")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(tmp, "labels.big")
	if err := os.WriteFile(big, []byte(strings.Repeat("a fall\n", 200000)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ path, want string }{
		{fifo, "named pipe"},
		{zero, "character device"},
		{big, "over the 1048576-byte limit for a labels file"},
	} {
		done := make(chan error, 1)
		go func() {
			_, err := labelsOf(settings{labelsFile: c.path})
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), c.path) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("labels-file %s: error %v, want one naming it and %q", c.path, err, c.want)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("labels-file %s: blocked for 20 s", c.path)
		}
	}
}
