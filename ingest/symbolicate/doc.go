// Package symbolicate maps minified JavaScript frames back to the original
// source through uploaded source maps, so that the worker groups and stores
// events by the code their authors wrote. It finds maps through a Source
// (debug id first, then release + dist + URL), keeps parsed maps in a cache
// bounded by entries and bytes, and never fails an event: a frame it cannot
// map stays as it came, with the reason in its data.
package symbolicate
