package metrics

import (
	"context"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

// Consumers reports the JetStream consumers' backlog and the dead-letter stream's size. It asks
// JetStream at each scrape, so the figures are as fresh as the scrape.
type Consumers struct {
	js         jetstream.JetStream
	streams    []string
	deadLetter string
	timeout    time.Duration

	pending, ackPending, redelivered, deadLetters *prometheus.Desc
	up                                            *prometheus.Desc
}

// NewConsumers reports every consumer of streams, and the messages in the deadLetter stream.
func NewConsumers(js jetstream.JetStream, deadLetter string, streams ...string) *Consumers {
	labels := []string{"stream", "consumer"}
	return &Consumers{
		js: js, streams: streams, deadLetter: deadLetter, timeout: 5 * time.Second,
		pending: prometheus.NewDesc(namespace+"_consumer_pending_messages",
			"Messages in the stream the consumer has not yet been given.", labels, nil),
		ackPending: prometheus.NewDesc(namespace+"_consumer_ack_pending_messages",
			"Messages given to the consumer and not yet acknowledged.", labels, nil),
		redelivered: prometheus.NewDesc(namespace+"_consumer_redelivered_messages",
			"Messages given to the consumer more than once and not yet acknowledged.", labels, nil),
		deadLetters: prometheus.NewDesc(namespace+"_deadletter_messages",
			"Messages parked in the dead-letter stream.", nil, nil),
		up: prometheus.NewDesc(namespace+"_jetstream_up",
			"1 when JetStream answered the last scrape's questions, else 0.", nil, nil),
	}
}

// Describe sends the descriptors.
func (c *Consumers) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.pending, c.ackPending, c.redelivered, c.deadLetters, c.up} {
		ch <- d
	}
}

// Collect asks JetStream for each consumer's info and the dead-letter stream's size.
func (c *Consumers) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	up := 1.0
	for _, name := range c.streams {
		s, err := c.js.Stream(ctx, name)
		if err != nil {
			up = 0
			continue
		}
		infos := s.ListConsumers(ctx)
		for info := range infos.Info() {
			l := []string{name, info.Name}
			ch <- prometheus.MustNewConstMetric(c.pending, prometheus.GaugeValue, float64(info.NumPending), l...)
			ch <- prometheus.MustNewConstMetric(c.ackPending, prometheus.GaugeValue, float64(info.NumAckPending), l...)
			ch <- prometheus.MustNewConstMetric(c.redelivered, prometheus.GaugeValue, float64(info.NumRedelivered), l...)
		}
		if infos.Err() != nil {
			up = 0
		}
	}
	if s, err := c.js.Stream(ctx, c.deadLetter); err == nil {
		if info, err := s.Info(ctx); err == nil {
			ch <- prometheus.MustNewConstMetric(c.deadLetters, prometheus.GaugeValue, float64(info.State.Msgs))
		} else {
			up = 0
		}
	} else {
		up = 0
	}
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, up)
}
