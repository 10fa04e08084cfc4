//go:build linux

package queue

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// tmpfs mounts a file system of size bytes for the test. Mounting needs
// root: elsewhere the test skips, except under `make test`
// (FAULTLINE_REQUIRE_SERVICES=1), which runs as root and fails instead.
func tmpfs(t *testing.T, size int) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d", size)); err != nil {
		msg := fmt.Sprintf("mount a %s tmpfs: %v; the full-disk tests need root", iec(uint64(size)), err)
		if os.Getenv("FAULTLINE_REQUIRE_SERVICES") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// fill writes a file in dir until the file system has no page left.
func fill(t *testing.T, dir string) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, chunk := range []int{64 << 10, 4 << 10, 512} {
		for buf := make([]byte, chunk); ; {
			if _, err := f.Write(buf); errors.Is(err, syscall.ENOSPC) {
				break
			} else if err != nil {
				t.Fatal(err)
			}
		}
	}
}

// The broker restarts on a full disk, refuses records through Writable,
// frees the consumed part of its log although it is younger than the
// retention, and takes records again, with nobody freeing anything else.
func TestRestartOnFullDisk(t *testing.T) {
	mnt := tmpfs(t, 8<<20)
	cfg := EmbeddedConfig{DataDir: mnt, MinFreeBytes: 1 << 20, segmentBytes: 64 << 10}
	e := startBroker(t, cfg)
	ends := map[int]int64{}
	for p := range 4 {
		ends[p] = produce(t, e, EventsTopic, p, 20, 2, 20<<10, time.Time{})
	}
	commit(t, e, WorkersGroup, EventsTopic, map[int]int64{0: ends[0], 1: ends[1], 2: ends[2]})
	e.Close()
	fill(t, mnt)

	cfg.checkEvery, cfg.ReclaimEvery = 20*time.Millisecond, 50*time.Millisecond
	e, err := StartEmbedded(cfg, discard())
	if err != nil {
		t.Fatalf("restart on a full disk: %v", err)
	}
	t.Cleanup(e.Close)
	err = e.Writable()
	if !errors.Is(err, ErrBrokerDisk) || !strings.Contains(err.Error(), "free under "+e.dir+", below the 1 MiB minimum") {
		t.Fatalf("Writable() on a full disk = %v; want it to name the disk and the minimum", err)
	}
	start := time.Now()
	waitWritable(t, e, "nil once the reclaimer freed consumed records", func(err error) bool { return err == nil })
	var starts []int64
	for p := range 4 {
		starts = append(starts, e.cluster.PartitionInfo(EventsTopic, int32(p)).LogStartOffset)
	}
	t.Logf("writable again after %v with %s free; log starts %v, ends %v", time.Since(start).Round(time.Millisecond), iec(e.disk.Load().free), starts, ends)

	if pi := e.cluster.PartitionInfo(EventsTopic, 3); pi.LogStartOffset != 0 || pi.HighWatermark != ends[3] {
		t.Fatalf("unconsumed partition: records %d to %d, want 0 to %d", pi.LogStartOffset, pi.HighWatermark, ends[3])
	}
	if first, n := readFrom(t, e, EventsTopic, 3); first != 0 || n != ends[3] {
		t.Fatalf("unconsumed partition: read %d records from %d, want %d from 0", n, first, ends[3])
	}
	produce(t, e, EventsTopic, 3, 1, 1, 100, time.Time{})
}

// A directory that never held a broker needs a little space to start: on a
// full disk StartEmbedded says so, and starts once space is freed.
func TestFirstStartOnFullDisk(t *testing.T) {
	mnt := tmpfs(t, 1<<20)
	fill(t, mnt)
	_, err := StartEmbedded(EmbeddedConfig{DataDir: mnt}, discard())
	if !errors.Is(err, ErrBrokerDisk) || !strings.Contains(err.Error(), "free under "+mnt) {
		t.Fatalf("StartEmbedded on a full disk: %v; want an error naming the disk", err)
	}
	if err := os.Remove(filepath.Join(mnt, "filler")); err != nil {
		t.Fatal(err)
	}
	e := startBroker(t, EmbeddedConfig{DataDir: mnt})
	for _, topic := range []string{EventsTopic, OutcomesTopic, DeadLetterTopic} {
		if e.cluster.TopicInfo(topic) == nil {
			t.Errorf("topic %s missing after a first start that ran out of space", topic)
		}
	}
	produce(t, e, EventsTopic, 0, 1, 1, 100, time.Time{})
}
