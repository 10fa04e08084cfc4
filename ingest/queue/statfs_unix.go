//go:build unix

package queue

import "syscall"

// statfs returns the bytes an unprivileged process may still write on
// dir's file system, and the file system's size.
func statfs(dir string) (free, size uint64, err error) {
	var s syscall.Statfs_t
	if err := syscall.Statfs(dir, &s); err != nil {
		return 0, 0, err
	}
	return s.Bavail * uint64(s.Bsize), s.Blocks * uint64(s.Bsize), nil
}
