//go:build linux

package queue

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A round looks for a partition directory kfake has not made yet only when
// the partitions directory changed, and still finds one made since.
func TestRoundsSkipMissingPartitionDirectories(t *testing.T) {
	const partitions = 16
	dir := t.TempDir()
	partsDir := filepath.Join(dir, "partitions")
	if err := os.MkdirAll(partsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	// Older than the slack, so an unchanged time proves nothing new.
	long := time.Now().Add(-time.Minute)
	if err := os.Chtimes(partsDir, long, long); err != nil {
		t.Fatal(err)
	}
	l := newLogFiles(dir, 1<<20, nil, map[string]int32{"events": partitions})
	defer l.close()

	round := func() (looks int64) {
		t.Helper()
		before := l.dirLooks.Load()
		if err := l.sync(); err != nil {
			t.Fatalf("sync: %v", err)
		}
		return l.dirLooks.Load() - before
	}
	if got := round(); got != 1+partitions {
		t.Fatalf("first round looked at %d directories, want the partitions directory and each of the %d partitions'", got, partitions)
	}
	for range 3 {
		if got := round(); got != 1 {
			t.Fatalf("a round with no partition directory made since the last looked at %d directories, want 1 (the partitions directory)", got)
		}
	}

	// kfake makes a partition's directory and segment at its first write.
	part := filepath.Join(partsDir, "events-3")
	if err := os.Mkdir(part, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(part, "0.dat"), []byte("batch"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(part, "0.idx"), []byte("index"), 0o644); err != nil {
		t.Fatal(err)
	}
	fsyncs := l.fsyncs.Load()
	round()
	if p := l.parts[partIndex(t, l, part)]; p.seg.f == nil || p.seg.synced != int64(len("batch")) {
		t.Fatalf("the new partition's segment is not tracked and synced (open %v, synced %d)", p.seg.f != nil, p.seg.synced)
	}
	if l.fsyncs.Load() == fsyncs {
		t.Fatal("the round after a partition's first write made no fsync")
	}
}

func partIndex(t *testing.T, l *logFiles, dir string) int {
	t.Helper()
	for i, p := range l.parts {
		if p.dir == dir {
			return i
		}
	}
	t.Fatalf("no tracked partition has directory %s", dir)
	return -1
}
