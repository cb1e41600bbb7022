package mqtttest

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
)

// Message is a received MQTT message.
type Message struct {
	Topic   string
	Payload []byte
}

// Subscriber collects the messages of a topic filter with paho, resubscribing after reconnecting.
type Subscriber struct {
	client mqtt.Client
	keep   bool // keep the messages, not only count them (a soak only counts)
	mu     sync.Mutex
	msgs   []Message
	count  int
	probed bool // a probe (payload probe-...) came back: the subscription is in place
}

// Subscribe connects to addr, subscribes to filter (QoS 1) and returns once the broker delivers a
// probe message to it, so that nothing published afterwards is missed; keep says whether to keep
// the messages (Messages) or only count them (Count). Probe messages are neither kept nor counted.
// The test's cleanup disconnects.
func Subscribe(t testing.TB, addr, filter string, keep bool) *Subscriber {
	t.Helper()
	s := &Subscriber{keep: keep}
	opts := mqtt.NewClientOptions().AddBroker("tcp://" + addr).SetClientID(fmt.Sprintf("test-sub-%d", time.Now().UnixNano())).
		SetCleanSession(true).SetAutoReconnect(true).SetMaxReconnectInterval(500 * time.Millisecond).
		SetConnectTimeout(5 * time.Second).SetOrderMatters(true)
	opts.SetOnConnectHandler(func(c mqtt.Client) {
		c.Subscribe(filter, 1, s.receive).WaitTimeout(10 * time.Second)
	})
	s.client = mqtt.NewClient(opts)
	if tok := s.client.Connect(); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
		t.Fatalf("test subscriber cannot connect to %s: %v", addr, tok.Error())
	}
	// The subscription is made by the connect handler: wait until the broker confirms it by
	// delivering a probe.
	probe := fmt.Sprintf("probe-%d", time.Now().UnixNano())
	probeTopic := filter
	if strings.HasSuffix(filter, "#") {
		probeTopic = strings.TrimSuffix(strings.TrimSuffix(filter, "#"), "/") + "/" + probe
	}
	deadline := time.Now().Add(30 * time.Second)
	for !s.hasProbe() {
		if time.Now().After(deadline) {
			t.Fatalf("the test subscriber does not receive %s", filter)
		}
		s.client.Publish(probeTopic, 1, false, probe).WaitTimeout(time.Second)
		time.Sleep(100 * time.Millisecond)
	}
	t.Cleanup(func() { s.client.Disconnect(0) })
	return s
}

func (s *Subscriber) receive(_ mqtt.Client, m mqtt.Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if strings.HasPrefix(string(m.Payload()), "probe-") {
		s.probed = true
		return
	}
	s.count++
	if s.keep {
		s.msgs = append(s.msgs, Message{m.Topic(), append([]byte(nil), m.Payload()...)})
	}
}

func (s *Subscriber) hasProbe() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.probed
}

// Count is the number of messages received so far.
func (s *Subscriber) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count
}

// Messages returns a copy of the messages received so far (none unless Subscribe was told to keep
// them).
func (s *Subscriber) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}
