// Package event is Faultline's model of an error event: it turns the JSON
// that Sentry SDKs send into one normalized shape (Parse), computes the
// grouping fingerprint, title and culprit, and is what every later stage
// (workers, storage, API) reads.
//
// Parsing is lenient the way Sentry's is: a field of the wrong type is dropped,
// not the event; only a payload that is not a JSON object is rejected.
//
// What the parsers return shares the payload's memory: a string without
// escapes, and a JSON object kept as it came, point into the payload rather
// than into a copy. Copying them was half the objects a worker allocated
// per event. So a payload must not change once parsed, and any part of the
// result kept for longer than the event (a cache, say) is copied first
// (strings.Clone), or it keeps the whole payload in memory.
package event
