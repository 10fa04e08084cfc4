// Package actors holds Faultline's workers: the Kafka consumer and the
// per-project grouping actors (protoactor-go) it feeds. See ORDERING.md for
// who talks to whom, who commits offsets and the shutdown order.
package actors
