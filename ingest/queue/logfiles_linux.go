//go:build linux

package queue

// The files a sync round makes durable: per partition of the topics the
// broker seeds, kfake's active segment (N.dat), where N is the segment's
// first offset and the active one is the highest N in the partition's
// directory; and the group and producer-id logs at the top. A round fstats
// each file it tracks and syncs those whose size changed since their last
// sync, so an idle partition costs one fstat. Under SyncFilesystem one
// syncfs per file system covers them all (LogSync says why); under
// SyncFiles each gets an fsync.
//
// A segment's index (N.idx) is not synced. kfake loads every batch from the
// segment, which carries its offsets, records and CRC; the index adds per
// batch the leader epoch and whether a transaction wrote it, and a missing
// or torn entry (each has a checksum) loads as epoch 0 and no transaction.
// The embedded broker is one broker whose partition leaders do not move
// (only an ElectLeaders request, from a tool pointed at its loopback port,
// would bump an epoch; Faultline sends none), so their epoch stays 0, and
// Faultline's producers use no transactions: the index's tail is rebuilt
// exactly. Even an epoch read back lower would go unnoticed by Faultline's
// consumers, which do not check leader epochs. Syncing the index cost a
// second fsync for every batch (TestSegmentsLoadWithoutTheirIndexTails
// shows the load).
//
// kfake rolls a segment (closing it without an fsync when SyncWrites is
// off) at the first write after it reached log.segment.bytes, which
// StartEmbedded sets for the whole broker, and deletes it when the
// reclaimer trims past it. So a partition's directory is listed again only
// when its tracked segment reached that size or lost its last link (or
// none is tracked yet) and the directory changed since its last listing,
// which inotify tells (dirEvents) without a call per directory; the old
// segment is then fsynced once more, for its tail, before it is let go,
// and the directory is fsynced for the new files' entries.

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// errFsync marks a failed fsync, after which the log cannot be trusted.
var errFsync = errors.New("fsync failed")

// groupCommitSupported: this platform runs the broker without kfake's
// SyncWrites and syncs its log in rounds.
const groupCommitSupported = true

// logFiles tracks the broker's log files. Only the group committer's
// goroutine calls sync, and close after it stopped.
type logFiles struct {
	dir          string // kfake's data directory
	segmentBytes int64
	fsync        func(*os.File) error
	syncfs       func(*os.File) error // set: a round syncs each file system once (SyncFilesystem)
	parts        []*partFiles
	roots        []*trackedFile // groups.log, pids.log

	fsyncs   atomic.Int64 // fsync calls, directories included
	dirStats atomic.Int64 // partition directories statted, to tell what a round costs
	events   *dirEvents
	st       syscall.Stat_t
	queued   []queuedSync // this round's fsyncs
}

// maxParallelFsyncs bounds the threads one round keeps in fsync.
const maxParallelFsyncs = 8

// queuedSync is a file to fsync and the size the fsync will cover.
type queuedSync struct {
	f    *trackedFile
	size int64
}

type partFiles struct {
	dir   string
	base  int64 // the tracked segment's first offset
	seg   trackedFile
	known bool // the directory was fsynced into its parent

	listed      bool      // listedMtime is set
	listedMtime time.Time // the directory's modification time before its last listing
	listedAt    time.Time // when that listing began

	watch   int32 // the directory's inotify watch, or noWatch
	changed bool  // an event named the directory since its last listing
}

// trackedFile is an open, read-only handle on a log file (fsync works on
// one) and the size its last fsync covered.
type trackedFile struct {
	path   string
	f      *os.File
	dev    uint64 // the file system holding it
	synced int64
}

func newLogFiles(dir string, segmentBytes int64, fsync func(*os.File) error, topics map[string]int32) *logFiles {
	if fsync == nil {
		fsync = (*os.File).Sync
	}
	l := &logFiles{dir: dir, segmentBytes: segmentBytes, fsync: fsync, events: newDirEvents()}
	for _, name := range []string{"groups.log", "pids.log"} {
		l.roots = append(l.roots, &trackedFile{path: filepath.Join(dir, name)})
	}
	for topic, n := range topics {
		for p := range n {
			// kfake's partDir: <dir>/partitions/<escaped topic>-<partition>.
			l.parts = append(l.parts, &partFiles{dir: filepath.Join(dir, "partitions", url.PathEscape(topic)+"-"+strconv.Itoa(int(p))), watch: noWatch})
		}
	}
	return l
}

// sync makes every byte written to the tracked files so far durable.
func (l *logFiles) sync() error {
	var errs []error
	for _, f := range l.roots {
		if f.f != nil {
			if _, linked, err := l.stat(f); err != nil {
				errs = append(errs, err)
				continue
			} else if !linked { // compacted: a new file took the name
				f.close()
			}
		}
		if f.f == nil {
			opened, err := f.open()
			if err != nil || !opened {
				errs = append(errs, err)
				continue
			}
			errs = append(errs, l.syncDir(l.dir))
		}
		errs = append(errs, l.syncIfChanged(f))
	}
	l.events.drain()
	for _, p := range l.parts {
		errs = append(errs, l.syncPart(p))
	}
	return errors.Join(append(errs, l.fsyncQueued())...)
}

func (l *logFiles) syncPart(p *partFiles) error {
	segSize, rescan := int64(0), p.seg.f == nil
	if !rescan {
		size, linked, err := l.stat(&p.seg)
		if err != nil {
			return err
		}
		segSize, rescan = size, !linked || size >= l.segmentBytes
		if linked && rescan {
			rescan = l.dirChanged(p)
		}
	} else {
		rescan = l.dirChanged(p)
	}
	if rescan {
		if err := l.rescan(p); err != nil {
			return err
		}
		if p.seg.f == nil {
			return nil
		}
		size, _, err := l.stat(&p.seg)
		if err != nil {
			return err
		}
		segSize = size
	}
	l.queueIfChanged(&p.seg, segSize)
	return nil
}

// dirChanged reports whether p's directory may hold entries its last
// listing did not see. Listing it every round while no segment is tracked
// (most partitions of an idle broker), or while the full one waits to roll,
// would cost more than the rest of the round. A watched directory's events
// say; any other is statted. A directory's modification time is the
// kernel's coarse clock at the change, so an unchanged time proves nothing
// new only when the listing came well after that time: a change soon after
// a listing may carry the same time.
func (l *logFiles) dirChanged(p *partFiles) bool {
	if p.watch != noWatch {
		changed := p.changed
		p.changed = false
		return changed
	}
	l.dirStats.Add(1)
	if err := syscall.Stat(p.dir, &l.st); err != nil {
		return true // let the listing say what is wrong, if anything
	}
	if l.events.watch(p) {
		return true // list it once; its events tell of what follows
	}
	mtime := time.Unix(l.st.Mtim.Unix())
	if p.listed && mtime.Equal(p.listedMtime) && p.listedAt.Sub(mtime) > dirTimeSlack {
		return false
	}
	p.listed, p.listedMtime, p.listedAt = true, mtime, time.Now()
	return true
}

// dirTimeSlack is how far behind the clock a directory's modification
// time may lag, with room to spare.
const dirTimeSlack = time.Second

// rescan finds the partition's active segment and, when it changed, lets
// the old one go after a last fsync and starts tracking the new one.
func (l *logFiles) rescan(p *partFiles) error {
	base, found, err := newestSegment(p.dir)
	if err != nil || (found && p.seg.f != nil && base == p.base) {
		return err
	}
	var errs []error
	if f := &p.seg; f.f != nil {
		if size, linked, err := l.stat(f); err != nil {
			errs = append(errs, err)
		} else if linked && size != f.synced {
			errs = append(errs, l.fsyncNow(f.f, f.path))
		}
		f.close()
	}
	if !found {
		return errors.Join(errs...)
	}
	if !p.known {
		errs = append(errs, l.syncDir(filepath.Dir(p.dir)), l.syncDir(l.dir))
		p.known = true
	}
	p.base = base
	p.seg = trackedFile{path: filepath.Join(p.dir, strconv.FormatInt(base, 10)+".dat")}
	if _, err := p.seg.open(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(append(errs, l.syncDir(p.dir))...)
}

// newestSegment is the highest first offset of the .dat files in dir;
// found is false when dir does not exist yet or holds none.
func newestSegment(dir string) (base int64, found bool, err error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("list %s: %w", dir, err)
	}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".dat")
		if !ok {
			continue
		}
		if n, err := strconv.ParseInt(name, 10, 64); err == nil && (!found || n > base) {
			base, found = n, true
		}
	}
	return base, found, nil
}

// stat reads f's size and whether a directory still names it.
func (l *logFiles) stat(f *trackedFile) (size int64, linked bool, err error) {
	if err := syscall.Fstat(int(f.f.Fd()), &l.st); err != nil {
		return 0, false, fmt.Errorf("stat %s: %w", f.path, err)
	}
	return l.st.Size, l.st.Nlink > 0, nil
}

// syncIfChanged queues f for this round's fsyncs when it grew (or
// shrank) since its last one.
func (l *logFiles) syncIfChanged(f *trackedFile) error {
	if f.f == nil {
		return nil
	}
	size, _, err := l.stat(f)
	if err != nil {
		return err
	}
	l.queueIfChanged(f, size)
	return nil
}

func (l *logFiles) queueIfChanged(f *trackedFile, size int64) {
	if size != f.synced {
		l.queued = append(l.queued, queuedSync{f: f, size: size})
	}
}

// fsyncQueued fsyncs the queued files, several at a time: the file system
// serves concurrent fsyncs with one journal commit, where one after the
// other each waits for its own.
func (l *logFiles) fsyncQueued() error {
	queued := l.queued
	defer func() { clear(l.queued); l.queued = l.queued[:0] }()
	if l.syncfs != nil {
		return l.syncFileSystems(queued)
	}
	errs := make([]error, len(queued))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(len(queued), maxParallelFsyncs) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < len(queued); i = int(next.Add(1) - 1) {
				q := queued[i]
				if errs[i] = l.fsyncNow(q.f.f, q.f.path); errs[i] == nil {
					q.f.synced = q.size
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// syncFileSystems makes the queued files durable with one syncfs for each
// file system they are on (one, unless a partition's directory was
// mounted apart). syncfs reports a write-back error of any file on that
// file system, the broker's or not, as a failed sync: the log can then
// vouch for nothing it holds there either.
func (l *logFiles) syncFileSystems(queued []queuedSync) error {
	var errs []error
	synced := map[uint64]error{} // by file system: its syncfs's error
	for _, q := range queued {
		err, done := synced[q.f.dev]
		if !done {
			l.fsyncs.Add(1)
			if err = l.syncfs(q.f.f); err != nil {
				err = fmt.Errorf("%w: syncfs of the file system holding %s: %w", errFsync, q.f.path, err)
				errs = append(errs, err)
			}
			synced[q.f.dev] = err
		}
		if err == nil {
			q.f.synced = q.size
		}
	}
	return errors.Join(errs...)
}

// syncfs syncs the file system holding f. Linux reports write-back errors
// from it only since 5.8 (defaultLogSync).
func syncfs(f *os.File) error { return unix.Syncfs(int(f.Fd())) }

// defaultLogSync is SyncFilesystem where syncfs reports write-back errors
// (Linux 5.8 and later; before, it returned success whatever happened),
// else SyncFiles.
func defaultLogSync() LogSync {
	var u unix.Utsname
	if unix.Uname(&u) != nil || !atLeastLinux(unix.ByteSliceToString(u.Release[:]), 5, 8) {
		return SyncFiles
	}
	return SyncFilesystem
}

// atLeastLinux reports whether a kernel release ("6.1.0-18-amd64") is
// major.minor or later.
func atLeastLinux(release string, major, minor int) bool {
	var got [2]int // major, minor; a missing minor is 0
	parts := strings.SplitN(release, ".", 3)
	for i, part := range parts[:min(2, len(parts))] {
		n := strings.IndexFunc(part, func(r rune) bool { return r < '0' || r > '9' })
		if n < 0 {
			n = len(part)
		}
		v, err := strconv.Atoi(part[:n])
		if err != nil {
			return false
		}
		got[i] = v
	}
	return got[0] > major || got[0] == major && got[1] >= minor
}

// syncDir makes the entries of dir durable (new files, renames).
func (l *logFiles) syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open directory %s: %w", dir, err)
	}
	defer d.Close()
	return l.fsyncNow(d, dir)
}

func (l *logFiles) fsyncNow(f *os.File, path string) error {
	l.fsyncs.Add(1)
	if err := l.fsync(f); err != nil {
		return fmt.Errorf("%w: %s: %w", errFsync, path, err)
	}
	return nil
}

// open opens the file if it exists; opened is false when it does not yet.
func (f *trackedFile) open() (opened bool, err error) {
	h, err := os.Open(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("open %s: %w", f.path, err)
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(int(h.Fd()), &st); err != nil {
		h.Close()
		return false, fmt.Errorf("stat %s: %w", f.path, err)
	}
	f.f, f.dev, f.synced = h, st.Dev, -1
	return true, nil
}

func (f *trackedFile) close() {
	if f.f != nil {
		f.f.Close()
		f.f = nil
	}
}

// close lets every tracked file go.
func (l *logFiles) close() {
	l.events.close()
	for _, f := range l.roots {
		f.close()
	}
	for _, p := range l.parts {
		p.seg.close()
	}
}
