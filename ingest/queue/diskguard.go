package queue

// The disk guard: kfake answers a produce it could not write with an error,
// but it ignores the result of fsync (persistBatchToSegment drops
// pd.activeSegFile.Sync() and pd.activeIdxFile.Sync()), so a batch whose
// fsync failed is acknowledged although it may never reach the disk. Until
// kfake checks it, the guard writes and fsyncs a probe file every check and
// Writable fails while the probe does, and while free space is short. On
// Linux the broker runs kfake without SyncWrites and fsyncs the log itself
// (groupcommit.go), checking each result; Writable then also fails for good
// once such an fsync failed. The probe stays: it notices a failing disk
// before a produce does.
//
// The upstream fix to propose to kfake: in persistBatchToSegment, when
// SyncWrites is on, check the results of both Sync calls and treat a
// failure like a failed write: log it, truncate the segment file back to
// active.size (and the index file to its previous length, which the
// write-error path does not do either), close the active files and return
// -1, so pushBatch fails the produce and the next produce reopens the
// files; and in the produce handler (00_produce.go) answer a failed
// pushBatch with KAFKA_STORAGE_ERROR, which clients retry, rather than
// UNKNOWN_SERVER_ERROR. Since Linux may drop the dirty pages of a failed
// fsync and report the error only once, retrying the fsync on the same file
// descriptor is no substitute.

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrBrokerDisk is what Writable's errors wrap.
var ErrBrokerDisk = errors.New("broker disk")

// diskError is a Writable failure: its text names the directory and the
// system's error, its reason says what is wrong in a few words.
type diskError struct {
	reason string
	err    error
}

func (e *diskError) Error() string { return e.err.Error() }
func (e *diskError) Unwrap() error { return e.err }

// DiskReason says in a few words, without the paths Writable's errors name,
// why err refuses records ("free space below the minimum"), for health
// answers that anyone may read; "" for an error Writable did not return.
func DiskReason(err error) string {
	var d *diskError
	if errors.As(err, &d) {
		return d.reason
	}
	return ""
}

// probeName is the file the guard writes, fsyncs and removes in the
// broker's directory. kfake ignores files it does not know there.
const probeName = "write-probe"

// diskState is the last check's result.
type diskState struct {
	free, size, min uint64 // bytes; size 0 when unknown
	err             error  // what Writable returns
}

// Writable reports whether the broker can take new records: nil, or an
// error (wrapping ErrBrokerDisk) that names the problem, when its file
// system has less free space than EmbeddedConfig.MinFreeBytes or when the
// last write+fsync probe in its directory failed, or for good once an
// fsync of its log failed (groupcommit.go). It reads the result of
// the disk guard's last check (every second), so it costs nothing to call
// per request; it clears by itself once space is freed or the probe
// succeeds again. A nil *Embedded (external brokers) returns nil.
func (e *Embedded) Writable() error {
	if e == nil {
		return nil
	}
	if st := e.disk.Load(); st != nil {
		return st.err
	}
	return nil
}

// checkDisk reads the free space, runs the probe and publishes the result.
// Only StartEmbedded and then the guard goroutine call it.
func (e *Embedded) checkDisk() {
	st := &diskState{}
	free, size, err := e.cfg.statfs(e.dir)
	switch {
	case errors.Is(err, errors.ErrUnsupported):
	case err != nil:
		st.err = &diskError{"free space unreadable", fmt.Errorf("%w: cannot read the free space under %s: %w", ErrBrokerDisk, e.dir, err)}
	default:
		st.free, st.size, st.min = free, size, e.minFree(size)
		if free < st.min {
			st.err = &diskError{"free space below the minimum", fmt.Errorf("%w: %s free under %s, below the %s minimum (FAULTLINE_BROKER_MIN_FREE)",
				ErrBrokerDisk, iec(free), e.dir, iec(st.min))}
		}
	}
	if err := probe(e.dir); err != nil && st.err == nil {
		st.err = &diskError{"write and fsync failed", fmt.Errorf("%w: cannot write and fsync a file under %s: %w", ErrBrokerDisk, e.dir, err)}
	}
	if e.committer != nil && st.err == nil {
		if err := e.committer.err(); err != nil {
			st.err = &diskError{"log fsync failed", err}
		}
	}

	e.metrics.diskFree.Set(float64(st.free))
	e.metrics.diskMinFree.Set(float64(st.min))
	was := e.disk.Swap(st)
	switch {
	case st.err != nil:
		e.metrics.writable.Set(0)
		if was == nil || was.err == nil || was.err.Error() != st.err.Error() {
			e.log.Warn("embedded broker cannot take records", "err", st.err)
		}
	default:
		e.metrics.writable.Set(1)
		if was != nil && was.err != nil {
			e.log.Info("embedded broker can take records again", "free", iec(st.free))
		}
	}
}

// minFree is MinFreeBytes, or by default the smaller of 1 GiB and 5 % of
// the file system.
func (e *Embedded) minFree(size uint64) uint64 {
	if e.cfg.MinFreeBytes > 0 {
		return uint64(e.cfg.MinFreeBytes)
	}
	return min(1<<30, size/20)
}

// probe writes a small file in dir, fsyncs it and removes it.
func probe(dir string) error {
	path := filepath.Join(dir, probeName)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write([]byte("faultline broker write probe\n"))
	err = errors.Join(err, f.Sync(), f.Close())
	return errors.Join(err, os.Remove(path))
}

// iec formats a byte count for people: "180 MiB", "1 GiB", "3.5 KiB".
func iec(n uint64) string {
	const units = "KMGTPE"
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	v, i := float64(n)/1024, 0
	for v >= 1024 && i < len(units)-1 {
		v, i = v/1024, i+1
	}
	if v >= 9.95 || v == float64(int64(v)) {
		return fmt.Sprintf("%.0f %ciB", v, units[i])
	}
	return fmt.Sprintf("%.1f %ciB", v, units[i])
}
