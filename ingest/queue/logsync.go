package queue

// LogSync is how the embedded broker's sync rounds make its log durable on
// Linux (elsewhere kfake fsyncs every batch itself).
//
// An fsync costs the server 100–200 µs of CPU whatever it writes, and a
// round used to take one per partition written since the last: at a
// steady load from 16 projects that was 2,600–3,300 events/s at 0.31–0.39
// ms of CPU each, where one syncfs(2) per round gave 3,800–4,400 events/s
// at 0.23–0.26 ms (2 cores, 64 connections). syncfs writes back every
// dirty page of the file system, other programs' included, so a round may
// wait for a large write of theirs to reach the disk (a 4 GB copy beside
// a saturating load raised the slowest answer from 186 to 272 ms); with
// its data directory on a volume of its own the broker waits only for
// itself. SyncFiles keeps a round to the log's own files.
type LogSync string

const (
	// SyncFilesystem makes a round one syncfs(2) of the file system that
	// holds the log, however many files changed.
	SyncFilesystem LogSync = "filesystem"
	// SyncFiles makes a round an fsync of every log file that changed.
	SyncFiles LogSync = "files"
)
