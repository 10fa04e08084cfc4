package queue

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// waitWritable polls Writable until ok(err) holds and returns that error.
func waitWritable(t *testing.T, e *Embedded, what string, ok func(error) bool) error {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := e.Writable()
		if ok(err) {
			return err
		}
		if time.Now().After(deadline) {
			t.Fatalf("Writable() = %v after 5 s; want %s", err, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestWritableFollowsFreeSpace(t *testing.T) {
	var free atomic.Uint64
	free.Store(2 << 30)
	e := startBroker(t, EmbeddedConfig{MinFreeBytes: 1 << 30, checkEvery: 10 * time.Millisecond,
		statfs: func(string) (uint64, uint64, error) { return free.Load(), 100 << 30, nil }})
	if err := e.Writable(); err != nil {
		t.Fatalf("Writable() = %v with 2 GiB free", err)
	}

	free.Store(180 << 20)
	err := waitWritable(t, e, "an error", func(err error) bool { return err != nil })
	want := "broker disk: 180 MiB free under " + e.dir + ", below the 1 GiB minimum (FAULTLINE_BROKER_MIN_FREE)"
	if err.Error() != want || !errors.Is(err, ErrBrokerDisk) {
		t.Fatalf("Writable() = %q, want %q wrapping ErrBrokerDisk", err, want)
	}
	if r := DiskReason(err); r != "free space below the minimum" {
		t.Errorf("DiskReason = %q", r)
	}

	free.Store(1<<30 + 1)
	waitWritable(t, e, "nil once space is back", func(err error) bool { return err == nil })
}

func TestWritableFailsWhileProbeFails(t *testing.T) {
	e := startBroker(t, EmbeddedConfig{checkEvery: 10 * time.Millisecond,
		statfs: func(string) (uint64, uint64, error) { return 50 << 30, 100 << 30, nil }})
	// A directory where the probe writes its file makes the write fail,
	// for root too. The probe's own file may be there for a moment.
	path := filepath.Join(e.dir, probeName)
	for err := os.Mkdir(path, 0o755); err != nil; err = os.Mkdir(path, 0o755) {
		if !os.IsExist(err) {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)
	}
	err := waitWritable(t, e, "a probe error", func(err error) bool { return err != nil })
	if !strings.Contains(err.Error(), "broker disk: cannot write and fsync a file under "+e.dir) {
		t.Fatalf("Writable() = %q; want it to name the failed probe", err)
	}
	if r := DiskReason(err); r != "write and fsync failed" {
		t.Errorf("DiskReason = %q", r)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	waitWritable(t, e, "nil once the probe succeeds", func(err error) bool { return err == nil })
}

func TestMinFreeDefault(t *testing.T) {
	for _, c := range []struct {
		set        int64
		size, want uint64
	}{
		{0, 100 << 30, 1 << 30}, // 1 GiB is less than 5 %
		{0, 4 << 30, 4 << 30 / 20},
		{512 << 20, 4 << 30, 512 << 20},
	} {
		e := &Embedded{cfg: EmbeddedConfig{MinFreeBytes: c.set}}
		if got := e.minFree(c.size); got != c.want {
			t.Errorf("minFree(%s) with MinFreeBytes %d = %s, want %s", iec(c.size), c.set, iec(got), iec(c.want))
		}
	}
}

func TestIEC(t *testing.T) {
	for n, want := range map[uint64]string{
		0: "0 B", 1023: "1023 B", 1024: "1 KiB", 3584: "3.5 KiB", 180 << 20: "180 MiB",
		1 << 30: "1 GiB", 4 << 30 / 20: "205 MiB", 10239: "10 KiB",
	} {
		if got := iec(n); got != want {
			t.Errorf("iec(%d) = %q, want %q", n, got, want)
		}
	}
}
