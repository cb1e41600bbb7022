// Package mqtttest gives tests a real MQTT broker and subscriber: a mosquitto process on a free
// 127.0.0.1 port that a test can kill (as abruptly as a crash) and restart on the same port, and a
// paho subscriber that resubscribes after reconnecting and only returns once its subscription is in
// place. elements/xclipmetapublish's tests and internal/soak's share it. It is for tests only: no
// production package may import it (it calls t.Fatal and starts processes).
package mqtttest
