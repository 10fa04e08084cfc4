package actors

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/ingest/cputime"

	"github.com/faultline/faultline/ingest/artifact"
	"github.com/faultline/faultline/ingest/blob"
	"github.com/faultline/faultline/ingest/event"
	"github.com/faultline/faultline/ingest/symbolicate"
	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
)

const benchBundles = 1000

// BenchmarkSymbolicateWithManyBundles is symbolication through SourceFiles
// (PostgreSQL and a directory blob store) for a project with 1,000 artifact
// bundles, each its own build with its own debug id. One op is one event
// of 10 frames, all in one bundle. cpu-ns/op is the process's CPU time
// (GC and the database driver included) per event.
func BenchmarkSymbolicateWithManyBundles(b *testing.B) {
	db := metadatatest.Open(b)
	blobs, err := blob.NewDir(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	p := metadatatest.Project(b, db, "secret")
	ids := indexBenchBundles(b, db, blobs, p)
	files := NewSourceFiles(db, blobs)
	ctx := context.Background()
	e, reset := benchEventFor(b)

	run := func(b *testing.B, s *symbolicate.Symbolicator, debugID string) {
		reset(debugID)
		if rep := s.Symbolicate(ctx, p.ProjectID, e); rep.Mapped != 10 {
			b.Fatalf("bundle %s: %+v", debugID, rep)
		}
	}

	// Events of a few bundles, all in the cache.
	b.Run("warm", func(b *testing.B) {
		s := symbolicate.NewSymbolicator(files, symbolicate.Options{})
		for _, id := range ids[:4] {
			run(b, s, id)
		}
		b.ReportAllocs()
		defer cputime.Report(b)()
		i := 0
		for b.Loop() {
			run(b, s, ids[i%4])
			i++
		}
	})

	// Each event names a bundle not cached: two index lookups, two files
	// read out of the bundle's zip, the map parsed.
	b.Run("cold", func(b *testing.B) {
		var s *symbolicate.Symbolicator
		b.ReportAllocs()
		defer cputime.Report(b)()
		i := 0
		for b.Loop() {
			if i%benchBundles == 0 { // every bundle seen: start afresh
				s = symbolicate.NewSymbolicator(files, symbolicate.Options{})
			}
			run(b, s, ids[i%benchBundles])
			i++
		}
	})

	// Events in turn over all 1,000 bundles, more than the cache holds: it
	// fills to its byte bound first (untimed), then every event evicts the
	// least recently used map. The heap and RSS are the process's after.
	for _, sweep := range []struct {
		name  string
		bound int64 // 0: the default, 256 MiB
	}{{"sweep-64MiB", 64 << 20}, {"sweep-default", 0}} {
		b.Run(sweep.name, func(b *testing.B) {
			s := symbolicate.NewSymbolicator(files, symbolicate.Options{CacheBytes: sweep.bound})
			for _, id := range ids {
				run(b, s, id)
			}
			b.ReportAllocs()
			stopCPU := cputime.Report(b)
			i := 0
			for b.Loop() {
				run(b, s, ids[i%benchBundles])
				i++
			}
			stopCPU()
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "MiB-heap")
			b.ReportMetric(float64(vmRSS(b))/(1<<20), "MiB-rss")
			debug.FreeOSMemory() // what stays resident once the runtime gives back what it can
			b.ReportMetric(float64(vmRSS(b))/(1<<20), "MiB-rss-returned")
			runtime.KeepAlive(s)
		})
	}
}

// indexBenchBundles makes 1,000 builds and indexes their bundles for the
// project with the calls the assemble endpoint makes, returning their debug
// ids. The chunk upload before (blobs the endpoint deletes once assembled)
// is left out.
func indexBenchBundles(b *testing.B, db *metadata.DB, blobs blob.Store, p metadata.BootstrapResult) []string {
	b.Helper()
	ctx := context.Background()
	build := loadBenchBuild(b)
	for _, n := range []int{0, 199} {
		js, sm := build.build(b, n, "b3c40000-0000-4000-8000-000000000000")
		b.Logf("build %d: script %d KiB, map %d KiB", n, len(js)>>10, len(sm)>>10)
	}
	start := time.Now()
	var ids []string
	var bytesTotal int64
	for n := range benchBundles {
		id := fmt.Sprintf("b3c40000-0000-4000-8000-%012x", n)
		data := build.bundle(b, n, id)
		sum := sha1.Sum(data)
		checksum := hex.EncodeToString(sum[:])
		if _, err := db.GetAssembleStatus(ctx, p.OrganizationID, checksum); !errors.Is(err, metadata.ErrNotFound) {
			b.Fatalf("bundle %d: assemble status %v, want none", n, err)
		}
		if claimed, err := db.ClaimAssemble(ctx, p.OrganizationID, checksum, time.Minute, time.Minute); err != nil || !claimed {
			b.Fatalf("bundle %d: claimed %v, %v", n, claimed, err)
		}
		bundle, err := artifact.Read(bytes.NewReader(data), int64(len(data)), artifact.DefaultLimits)
		if err != nil {
			b.Fatalf("bundle %d: %v", n, err)
		}
		key := fmt.Sprintf("artifacts/%d/bundles/%s.zip", p.OrganizationID, checksum)
		if err := blobs.Put(ctx, key, data); err != nil {
			b.Fatal(err)
		}
		nb := metadata.NewArtifactBundle{OrgID: p.OrganizationID, Checksum: checksum, BundleID: bundle.DebugID, BlobKey: key,
			Release: bundle.Release, Dist: bundle.Dist, ProjectIDs: []int64{p.ProjectID}, Size: int64(len(data))}
		for _, f := range bundle.Files {
			nb.Files = append(nb.Files, metadata.BundleFile{Path: f.Path, Kind: f.Kind, URL: f.URL, DebugID: f.DebugID, Headers: f.Headers, Size: f.Size})
		}
		if _, err := db.SaveArtifactBundle(ctx, nb); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, id)
		bytesTotal += int64(len(data))
	}
	b.Logf("indexed %d bundles (%d MiB of zips) in %v", benchBundles, bytesTotal>>20, time.Since(start).Round(time.Millisecond))
	return ids
}

// benchEventFor returns the fixture's 10-frame event and a reset that gives
// it its minified frames back and names debugID for its script.
func benchEventFor(b *testing.B) (*event.Event, func(debugID string)) {
	b.Helper()
	payload, err := os.ReadFile("../ingest/symbolicate/testdata/event.min.json")
	if err != nil {
		b.Fatal(err)
	}
	e, err := event.Parse(payload, event.Meta{EventID: strings.Repeat("a", 32)})
	if err != nil {
		b.Fatal(err)
	}
	raw := slices.Clone(e.Exceptions[0].Stacktrace.Frames)
	script := raw[0].AbsPath
	return e, func(debugID string) {
		e.Exceptions[0].Stacktrace = &event.Stacktrace{Frames: slices.Clone(raw)}
		e.Exceptions[0].RawStacktrace = nil
		e.DebugMeta = &event.DebugMeta{Images: []event.DebugImage{{Type: "sourcemap", DebugID: debugID, CodeFile: script}}}
	}
}

// vmRSS is the process's resident set, in bytes.
func vmRSS(b *testing.B) int64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Skipf("no /proc/self/status: %v", err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb << 10
		}
	}
	b.Fatal("no VmRSS in /proc/self/status")
	return 0
}
