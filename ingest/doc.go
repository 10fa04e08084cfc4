// Package ingest speaks the Sentry ingest protocol: it authenticates DSN
// keys, decompresses bodies under a cap, checks envelope framing and that each
// event is well-formed JSON, and produces the accepted items to Kafka,
// answering 200 only after the broker acknowledged them. It never unmarshals a
// whole event (the workers do that, once) and uses no database directly: DSN
// keys come through the KeyLookup interface.
package ingest
