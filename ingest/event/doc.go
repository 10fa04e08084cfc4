// Package event is Faultline's model of an error event: it turns the JSON
// that Sentry SDKs send into one normalized shape (Parse), computes the
// grouping fingerprint, title and culprit, and is what every later stage
// (workers, storage, API) reads.
//
// Parsing is lenient the way Sentry's is: a field of the wrong type is dropped,
// not the event; only a payload that is not a JSON object is rejected.
package event
