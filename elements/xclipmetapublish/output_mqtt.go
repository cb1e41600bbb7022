package xclipmetapublish

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
)

// MQTT tuning. QoS 1: the broker acknowledges every message (PUBACK) before it counts as published.
const (
	qos             = 1
	maxInFlight     = 64               // published messages awaiting their PUBACK; bounds paho's in-memory store
	ackTimeout      = 10 * time.Second // a message unacknowledged this long is counted dropped (lost with its connection)
	connectTimeout  = 5 * time.Second  // one connection attempt
	writeTimeout    = 5 * time.Second  // one publish handed to paho's writer
	backgroundRetry = time.Second      // max-connect-attempts=0: the interval between attempts at start
)

// parseAddress checks host:port.
func parseAddress(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("address %q is not host:port (e.g. localhost:1883): %v", addr, err)
	}
	if host == "" {
		return "", fmt.Errorf("address %q has no host (e.g. localhost:1883)", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("address %q: port %q is not a number from 1 to 65535", addr, port)
	}
	return net.JoinHostPort(host, port), nil
}

// checkTopic refuses what a publisher may not use: an empty topic, wildcards, NUL.
func checkTopic(topic string) error {
	switch {
	case topic == "":
		return fmt.Errorf("topic is empty")
	case strings.ContainsAny(topic, "+#\x00"):
		return fmt.Errorf("topic %q contains + or # (MQTT wildcards are for subscribers)", topic)
	}
	return nil
}

// topicFor substitutes {source}.
func topicFor(template, source string) string {
	return strings.ReplaceAll(template, "{source}", source)
}

// newClientID makes an id unique per element and process: the element's name, the process id and
// random bytes.
func newClientID(element string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("xclipmetapublish-%s-%d-%s", element, os.Getpid(), hex.EncodeToString(b[:]))
}

// mqttHooks tell the element what happens to the connection (from paho's goroutines).
type mqttHooks struct {
	connected func(reconnect bool)
	lost      func(err error)
	failed    func(err error) // a write failed for another reason than a lost connection
}

// mqttOutput publishes each document as one message. Documents that arrive while the connection is
// down are dropped and counted, never stored: paho would otherwise keep them in memory until it
// reconnects.
type mqttOutput struct {
	client  mqtt.Client
	topic   string
	counts  *counters
	pending []inFlight
	hooks   mqttHooks
	warned  bool
}

type inFlight struct {
	tok  mqtt.Token
	sent time.Time
}

// dialMQTT connects to the broker: attempts tries, 1 s apart doubling up to maxReconnect, or with
// attempts == 0, in the background. After that paho reconnects by itself with the same backoff.
func dialMQTT(addr, topic, clientID string, attempts uint, maxReconnect time.Duration, counts *counters, hooks mqttHooks) (*mqttOutput, error) {
	var reconnecting atomic.Bool
	opts := mqtt.NewClientOptions().
		AddBroker("tcp://" + addr).
		SetClientID(clientID).
		SetCleanSession(true).
		SetAutoReconnect(true).
		SetMaxReconnectInterval(maxReconnect).
		SetConnectTimeout(connectTimeout).
		SetWriteTimeout(writeTimeout).
		SetKeepAlive(30 * time.Second).
		SetOrderMatters(false).
		SetOnConnectHandler(func(mqtt.Client) {
			hooks.connected(reconnecting.Swap(true))
		}).
		SetConnectionLostHandler(func(_ mqtt.Client, err error) { hooks.lost(err) })
	if attempts == 0 {
		opts.SetConnectRetry(true).SetConnectRetryInterval(backgroundRetry)
	}
	client := mqtt.NewClient(opts)
	o := &mqttOutput{client: client, topic: topic, counts: counts, hooks: hooks}
	if attempts == 0 {
		client.Connect() // completes when connected; Disconnect in close ends the attempts
		return o, nil
	}
	wait := time.Second
	for i := uint(1); ; i++ {
		tok := client.Connect()
		var err error
		if !tok.WaitTimeout(connectTimeout + time.Second) {
			err = fmt.Errorf("no answer within %v", connectTimeout)
		} else {
			err = tok.Error()
		}
		if err == nil {
			return o, nil
		}
		if i >= attempts {
			client.Disconnect(0)
			return nil, fmt.Errorf("cannot connect to the MQTT broker at %s (%d attempt(s), max-connect-attempts): %v", addr, i, err)
		}
		time.Sleep(wait)
		wait = min(2*wait, maxReconnect)
	}
}

func (o *mqttOutput) write(d *document, payload []byte) {
	o.poll()
	if len(o.pending) >= maxInFlight {
		// The broker is slow to acknowledge: give it a moment (the queue absorbs the wait).
		o.pending[0].tok.WaitTimeout(time.Second)
		o.poll()
	}
	if !o.client.IsConnectionOpen() || len(o.pending) >= maxInFlight {
		o.counts.dropped.Add(1)
		return
	}
	tok := o.client.Publish(topicFor(o.topic, d.source), qos, false, payload)
	o.pending = append(o.pending, inFlight{tok, time.Now()})
}

// poll counts the acknowledged messages as published and the failed or long unacknowledged ones as
// dropped.
func (o *mqttOutput) poll() {
	keep := o.pending[:0]
	now := time.Now()
	for _, p := range o.pending {
		select {
		case <-p.tok.Done():
			if err := p.tok.Error(); err != nil {
				o.counts.dropped.Add(1)
				if !o.warned && o.client.IsConnectionOpen() {
					o.warned = true
					o.hooks.failed(err)
				}
			} else {
				o.counts.published.Add(1)
			}
			continue
		default:
		}
		if now.Sub(p.sent) > ackTimeout {
			o.counts.dropped.Add(1)
			continue
		}
		keep = append(keep, p)
	}
	clear(o.pending[len(keep):])
	o.pending = keep
}

// close waits until deadline for the acknowledgements in flight, then disconnects.
func (o *mqttOutput) close(deadline time.Time) {
	for len(o.pending) > 0 && time.Now().Before(deadline) && o.client.IsConnectionOpen() {
		o.pending[0].tok.WaitTimeout(time.Until(deadline))
		o.poll()
	}
	o.poll()
	o.counts.dropped.Add(uint64(len(o.pending)))
	o.pending = nil
	o.client.Disconnect(250)
}
