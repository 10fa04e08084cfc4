// Package queue is Faultline's Kafka layer: the topics, the record format
// that carries an accepted item from ingest to the workers, the producer, and
// the embedded Kafka-protocol broker that runs in-process when no external
// brokers are configured. Everything talks to Kafka through kafka-go, so the
// embedded and the external broker take the same code path.
//
// The embedded broker frees its own log (reclaim.go: only records the
// consumer groups committed past, by age and by size; dead letters by age and
// size), watches its disk (diskguard.go: Writable, for ingest and health) and
// answers no request before what it wrote is on disk, one fsync round for
// many requests (groupcommit.go).
package queue
