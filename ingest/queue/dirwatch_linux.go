//go:build linux

package queue

import (
	"encoding/binary"
	"errors"
	"syscall"
)

// dirEvents tells a sync round which partition directories gained or lost
// entries since the round before, from inotify. A round runs for every
// broker response, and kfake makes a directory for every seeded partition
// though most stay empty (16 of 21 with three projects sending): statting
// each of those every round cost ~3% of the server's CPU at 1,000 events/s.
// The kernel queues a directory's event inside the call that changed it,
// so a round that reads the queue after a response was ready sees every
// segment created before that response.
//
// A directory without a watch (inotify unavailable, the watch limit
// reached, the queue overflowed or the directory went away) falls back to
// its modification time, read every round.
type dirEvents struct {
	fd      int // -1 when inotify is unavailable
	watched map[int32]*partFiles
	buf     []byte
}

// dirEventMask: entries made, removed or renamed, and the directory itself
// going away.
const dirEventMask = syscall.IN_CREATE | syscall.IN_DELETE | syscall.IN_MOVED_FROM | syscall.IN_MOVED_TO |
	syscall.IN_DELETE_SELF | syscall.IN_MOVE_SELF | syscall.IN_ONLYDIR

func newDirEvents() *dirEvents {
	fd, err := syscall.InotifyInit1(syscall.IN_NONBLOCK | syscall.IN_CLOEXEC)
	if err != nil {
		fd = -1
	}
	return &dirEvents{fd: fd, watched: map[int32]*partFiles{}}
}

// watch starts watching p's directory and reports whether it could. Its
// caller lists the directory after a watch starts: events tell only of
// what comes after.
func (d *dirEvents) watch(p *partFiles) bool {
	if d.fd < 0 {
		return false
	}
	wd, err := syscall.InotifyAddWatch(d.fd, p.dir, dirEventMask)
	if err != nil {
		return false
	}
	d.watched[int32(wd)] = p
	p.watch, p.changed = int32(wd), false
	return true
}

// drain reads the events queued since the last drain and marks the
// directories they name as changed. On an overflow, or when the queue
// cannot be read, every watched directory is marked changed and, on a read
// error, the watches are dropped so that rounds stat directories again.
func (d *dirEvents) drain() {
	if d.fd < 0 {
		return
	}
	if d.buf == nil {
		d.buf = make([]byte, 16<<10)
	}
	for {
		n, err := syscall.Read(d.fd, d.buf)
		switch {
		case errors.Is(err, syscall.EINTR):
			continue
		case errors.Is(err, syscall.EAGAIN):
			return
		case err != nil || n <= 0:
			d.close()
			return
		}
		d.apply(d.buf[:n])
	}
}

// apply marks the directories that events name (struct inotify_event:
// wd, mask, cookie, len, then len bytes of name).
func (d *dirEvents) apply(events []byte) {
	const header = syscall.SizeofInotifyEvent
	for len(events) >= header {
		wd := int32(binary.NativeEndian.Uint32(events[0:]))
		mask := binary.NativeEndian.Uint32(events[4:])
		events = events[min(len(events), header+int(binary.NativeEndian.Uint32(events[12:]))):]
		if mask&syscall.IN_Q_OVERFLOW != 0 {
			for _, p := range d.watched {
				p.changed = true
			}
			continue
		}
		p := d.watched[wd]
		if p == nil {
			continue
		}
		p.changed = true
		switch {
		case mask&syscall.IN_IGNORED != 0: // the watch ended: the directory went away
			delete(d.watched, wd)
			p.watch = noWatch
		case mask&syscall.IN_MOVE_SELF != 0: // the watch would follow it elsewhere
			syscall.InotifyRmWatch(d.fd, uint32(wd))
			delete(d.watched, wd)
			p.watch = noWatch
		}
	}
}

// noWatch marks a partition whose directory has no watch.
const noWatch = -1

// close drops every watch; rounds then stat the directories.
func (d *dirEvents) close() {
	if d.fd < 0 {
		return
	}
	syscall.Close(d.fd)
	d.fd = -1
	for wd, p := range d.watched {
		p.watch, p.changed = noWatch, true
		delete(d.watched, wd)
	}
}
