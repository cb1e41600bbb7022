package soak

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
)

// broker is a mosquitto process on 127.0.0.1 that the test kills and restarts on the same port (as
// elements/xclipmetapublish's tests do).
type broker struct {
	t    testing.TB
	bin  string
	port int
	conf string
	log  string
	cmd  *exec.Cmd
}

func (b *broker) addr() string { return fmt.Sprintf("127.0.0.1:%d", b.port) }

// newBroker writes a configuration for a free port and starts mosquitto; the test's cleanup kills it.
func newBroker(t testing.TB) *broker {
	t.Helper()
	bin, err := exec.LookPath("mosquitto")
	if err != nil {
		if bin, err = exec.LookPath("/usr/sbin/mosquitto"); err != nil {
			t.Fatal("mosquitto is not installed (apt-get install mosquitto mosquitto-clients)")
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir := t.TempDir()
	b := &broker{t: t, bin: bin, port: port, conf: filepath.Join(dir, "mosquitto.conf"), log: filepath.Join(dir, "mosquitto.log")}
	conf := fmt.Sprintf("listener %d 127.0.0.1\nallow_anonymous true\npersistence false\n", port)
	if err := os.WriteFile(b.conf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	b.start()
	t.Cleanup(b.stop)
	return b
}

// start runs mosquitto and waits until it listens.
func (b *broker) start() {
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
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", b.addr(), time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			out, _ := os.ReadFile(b.log)
			b.t.Fatalf("mosquitto does not listen on %s after 30 s: %v\n%s", b.addr(), err, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop kills the broker (SIGKILL: as abrupt as a crash) and waits for it.
func (b *broker) stop() {
	if b.cmd == nil || b.cmd.Process == nil {
		return
	}
	_ = b.cmd.Process.Signal(syscall.SIGKILL)
	_ = b.cmd.Wait()
	b.cmd = nil
}

// subscriber counts the documents of a topic filter with paho, resubscribing after reconnecting.
type subscriber struct {
	client mqtt.Client
	mu     sync.Mutex
	count  int
	probed bool // a probe came back: the subscription is in place
}

func subscribe(t testing.TB, addr, topic string) *subscriber {
	t.Helper()
	s := &subscriber{}
	opts := mqtt.NewClientOptions().AddBroker("tcp://" + addr).SetClientID(fmt.Sprintf("soak-sub-%d", time.Now().UnixNano())).
		SetCleanSession(true).SetAutoReconnect(true).SetMaxReconnectInterval(500 * time.Millisecond).
		SetConnectTimeout(5 * time.Second)
	opts.SetOnConnectHandler(func(c mqtt.Client) {
		c.Subscribe(topic, 1, func(_ mqtt.Client, m mqtt.Message) {
			s.mu.Lock()
			if strings.HasPrefix(string(m.Payload()), "probe-") {
				s.probed = true
			} else {
				s.count++
			}
			s.mu.Unlock()
		}).WaitTimeout(10 * time.Second)
	})
	s.client = mqtt.NewClient(opts)
	if tok := s.client.Connect(); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
		t.Fatalf("test subscriber cannot connect to %s: %v", addr, tok.Error())
	}
	// The connect handler subscribes: wait until the broker delivers a probe.
	probe := fmt.Sprintf("probe-%d", time.Now().UnixNano())
	deadline := time.Now().Add(30 * time.Second)
	for !s.hasProbe() {
		if time.Now().After(deadline) {
			t.Fatalf("the test subscriber does not receive %s", topic)
		}
		s.client.Publish(topic, 1, false, probe).WaitTimeout(time.Second)
		time.Sleep(100 * time.Millisecond)
	}
	t.Cleanup(func() { s.client.Disconnect(0) })
	return s
}

func (s *subscriber) hasProbe() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.probed
}

func (s *subscriber) received() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count
}
