package mqtttest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// listenTimeout bounds how long Start waits for mosquitto to listen: generous, for a loaded machine.
const listenTimeout = 30 * time.Second

// Broker is a mosquitto process on 127.0.0.1, started and killed by the test.
type Broker struct {
	t    testing.TB
	bin  string
	port int
	conf string
	log  string
	cmd  *exec.Cmd
}

// FreePort returns a TCP port of 127.0.0.1 that nothing listens on (at the moment of the call).
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// NewBroker starts mosquitto on a free port; the test's cleanup kills it.
func NewBroker(t testing.TB) *Broker {
	t.Helper()
	return NewBrokerOn(t, FreePort(t))
}

// NewBrokerOn writes a configuration for port (anonymous, no persistence) and starts mosquitto on it;
// the test's cleanup kills it.
func NewBrokerOn(t testing.TB, port int) *Broker {
	t.Helper()
	bin, err := exec.LookPath("mosquitto")
	if err != nil {
		if bin, err = exec.LookPath("/usr/sbin/mosquitto"); err != nil {
			t.Fatal("mosquitto is not installed (apt-get install mosquitto mosquitto-clients)")
		}
	}
	dir := t.TempDir()
	b := &Broker{t: t, bin: bin, port: port, conf: filepath.Join(dir, "mosquitto.conf"), log: filepath.Join(dir, "mosquitto.log")}
	conf := fmt.Sprintf("listener %d 127.0.0.1\nallow_anonymous true\npersistence false\n", port)
	if err := os.WriteFile(b.conf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	b.Start()
	t.Cleanup(b.Stop)
	return b
}

// Addr is the broker's host:port.
func (b *Broker) Addr() string { return fmt.Sprintf("127.0.0.1:%d", b.port) }

// Port is the broker's TCP port.
func (b *Broker) Port() int { return b.port }

// Start runs mosquitto (again, after Stop: on the same port) and waits until it listens.
func (b *Broker) Start() {
	b.t.Helper()
	logf, err := os.OpenFile(b.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		b.t.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command(b.bin, "-c", b.conf)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		b.t.Fatalf("starting mosquitto: %v", err)
	}
	b.cmd = cmd
	deadline := time.Now().Add(listenTimeout)
	for {
		c, err := net.DialTimeout("tcp", b.Addr(), time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			out, _ := os.ReadFile(b.log)
			b.t.Fatalf("mosquitto does not listen on %s after %v: %v\n%s", b.Addr(), listenTimeout, err, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop kills the broker (SIGKILL: as abrupt as a crash) and waits for it; it does nothing when the
// broker is not running.
func (b *Broker) Stop() {
	if b.cmd == nil || b.cmd.Process == nil {
		return
	}
	_ = b.cmd.Process.Signal(syscall.SIGKILL)
	_ = b.cmd.Wait()
	b.cmd = nil
}
