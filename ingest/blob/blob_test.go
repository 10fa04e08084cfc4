package blob

import (
	"context"
	"errors"
	"io"
	"testing"
)

func TestDir(t *testing.T) {
	d, err := NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := d.Put(ctx, "1/abc/log.txt", []byte("hello")); err != nil {
		t.Fatal(err)
	}
	r, err := d.Open(ctx, "1/abc/log.txt")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r)
	r.Close()
	if string(b) != "hello" {
		t.Fatalf("read %q", b)
	}
	if _, err := d.Open(ctx, "1/abc/missing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing blob: %v", err)
	}
	for _, bad := range []string{"", "../escape", "/etc/passwd", "a/../../b"} {
		if err := d.Put(ctx, bad, nil); err == nil {
			t.Errorf("key %q accepted", bad)
		}
		if err := d.Delete(ctx, bad); err == nil {
			t.Errorf("delete of key %q accepted", bad)
		}
	}
	for range 2 { // deleting what is gone is no error
		if err := d.Delete(ctx, "1/abc/log.txt"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.Open(ctx, "1/abc/log.txt"); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted blob: %v", err)
	}
}
