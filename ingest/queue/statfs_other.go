//go:build !unix

package queue

import "errors"

// statfs is not available here: the disk guard relies on its probe alone.
func statfs(string) (free, size uint64, err error) { return 0, 0, errors.ErrUnsupported }
