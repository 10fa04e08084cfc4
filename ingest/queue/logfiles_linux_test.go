//go:build linux

package queue

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// kfake makes every seeded partition's directory when it creates the
// topic, and most stay empty. A round learns of a segment made in one from
// inotify, not by statting every empty directory, and still tracks and
// syncs that segment; without inotify it stats them as before.
func TestRoundsWatchEmptyPartitionDirectories(t *testing.T) {
	const partitions = 16
	for _, tc := range []struct {
		name          string
		inotify       bool
		statsPerRound int64
	}{
		{"inotify", true, 0},
		{"without inotify", false, partitions},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for p := range partitions {
				if err := os.MkdirAll(filepath.Join(dir, "partitions", "events-"+strconv.Itoa(p)), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			l := newLogFiles(dir, 1<<20, nil, map[string]int32{"events": partitions})
			defer l.close()
			if !tc.inotify {
				l.events.close()
			}
			round := func() (stats int64) {
				t.Helper()
				before := l.dirStats.Load()
				if err := l.sync(); err != nil {
					t.Fatalf("sync: %v", err)
				}
				return l.dirStats.Load() - before
			}
			if got := round(); got != partitions {
				t.Fatalf("the first round statted %d partition directories, want all %d", got, partitions)
			}
			for range 3 {
				if got := round(); got != tc.statsPerRound {
					t.Fatalf("a round with no segment made since statted %d partition directories, want %d", got, tc.statsPerRound)
				}
			}

			// kfake makes a partition's segment and index at its first write.
			part := filepath.Join(dir, "partitions", "events-3")
			for name, data := range map[string]string{"0.dat": "batch", "0.idx": "index"} {
				if err := os.WriteFile(filepath.Join(part, name), []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			fsyncs := l.fsyncs.Load()
			round()
			p := l.parts[partIndex(t, l, part)]
			if p.seg.f == nil || p.seg.synced != int64(len("batch")) {
				t.Fatalf("the round after a partition's first write did not track and sync its segment (open %v, synced %d)",
					p.seg.f != nil, p.seg.synced)
			}
			if l.fsyncs.Load() == fsyncs {
				t.Fatal("the round after a partition's first write made no fsync")
			}
		})
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

// A partition directory moved away and made again is watched anew: the old
// watch follows the moved directory, and a segment made later in the new
// one must still be found.
func TestRoundsWatchARemadePartitionDirectory(t *testing.T) {
	l, part := onePartition(t)
	round := func() {
		t.Helper()
		if err := l.sync(); err != nil {
			t.Fatalf("sync: %v", err)
		}
	}
	round()
	if err := os.Rename(part, part+".old"); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(part, 0o755); err != nil {
		t.Fatal(err)
	}
	round()
	round()
	if err := os.WriteFile(filepath.Join(part, "0.dat"), []byte("batch"), 0o644); err != nil {
		t.Fatal(err)
	}
	round()
	if p := l.parts[0]; p.seg.f == nil || p.seg.synced != int64(len("batch")) {
		t.Fatalf("the segment made in the remade directory is not tracked and synced (open %v, synced %d)", p.seg.f != nil, p.seg.synced)
	}
}

// A batch appends to its segment and to the segment's index; a round
// fsyncs the segment alone, which kfake loads every batch from (the
// index's tail loads back without its sync: see
// TestSegmentsLoadWithoutTheirIndexTails).
func TestRoundsSyncSegmentsNotTheirIndexes(t *testing.T) {
	l, part := onePartition(t)
	appendTo := func(name, data string) {
		t.Helper()
		f, err := os.OpenFile(filepath.Join(part, name), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.WriteString(data); err != nil {
			t.Fatal(err)
		}
	}
	round := func() int64 {
		t.Helper()
		before := l.fsyncs.Load()
		if err := l.sync(); err != nil {
			t.Fatalf("sync: %v", err)
		}
		return l.fsyncs.Load() - before
	}
	appendTo("0.dat", "batch")
	appendTo("0.idx", "entry")
	round() // tracks the new segment
	for i := range 3 {
		appendTo("0.dat", "batch")
		appendTo("0.idx", "entry")
		if got := round(); got != 1 {
			t.Fatalf("batch %d: the round made %d fsyncs, want 1 (the segment)", i, got)
		}
		if p := l.parts[0]; p.seg.synced != int64(len("batch")*(i+2)) {
			t.Fatalf("batch %d: the segment's fsync covered %d bytes, want %d", i, p.seg.synced, len("batch")*(i+2))
		}
	}
}

// onePartition tracks the log files of a broker with one partition, whose
// directory it makes, and returns that directory.
func onePartition(t *testing.T) (*logFiles, string) {
	t.Helper()
	dir := t.TempDir()
	part := filepath.Join(dir, "partitions", "events-0")
	if err := os.MkdirAll(part, 0o755); err != nil {
		t.Fatal(err)
	}
	l := newLogFiles(dir, 1<<20, nil, map[string]int32{"events": 1})
	t.Cleanup(l.close)
	return l, part
}
