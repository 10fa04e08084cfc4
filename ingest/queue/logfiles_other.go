//go:build !linux

package queue

import (
	"errors"
	"os"
	"sync/atomic"
)

// groupCommitSupported: elsewhere the broker keeps kfake's SyncWrites, an
// fsync per batch, since the log tracking relies on Linux's fsync and
// fstat semantics.
const groupCommitSupported = false

// errFsync marks a failed fsync.
var errFsync = errors.New("fsync failed")

type logFiles struct {
	fsyncs atomic.Int64
	syncfs func(*os.File) error
}

func newLogFiles(string, int64, func(*os.File) error, map[string]int32) *logFiles { return &logFiles{} }
func (*logFiles) sync() error                                                     { return nil }
func (*logFiles) close()                                                          {}

// defaultLogSync is unused here: kfake syncs its own writes.
func defaultLogSync() LogSync { return SyncFiles }

func syncfs(f *os.File) error { return f.Sync() }
