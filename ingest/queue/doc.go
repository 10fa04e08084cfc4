// Package queue is Faultline's Kafka layer: the topics, the record format
// that carries an accepted item from ingest to the workers, the producer, and
// the embedded Kafka-protocol broker that runs in-process when no external
// brokers are configured. Everything talks to Kafka through kafka-go, so the
// embedded and the external broker take the same code path.
package queue
