package metadata_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
	"golang.org/x/crypto/argon2"
)

// oldHash hashes as Faultline first did: m=64 MiB, t=2, p=2.
func oldHash(password string) string {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, 2, 64*1024, 2, 32)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, 64*1024, 2, 2, enc.EncodeToString(salt), enc.EncodeToString(key))
}

func TestPasswordHashParameters(t *testing.T) {
	h := metadata.HashPassword("correct horse")
	if !metadata.CheckPassword(h, "correct horse") || metadata.CheckPassword(h, "wrong horse") {
		t.Fatal("a new hash does not check its password")
	}
	if want := "$argon2id$v=19$m=19456,t=2,p=1$"; h[:len(want)] != want {
		t.Errorf("new hash %s; want OWASP's m=19 MiB, t=2, p=1", h)
	}
	if metadata.Outdated(h) || metadata.Outdated(metadata.DummyHash) {
		t.Error("a current hash, or the dummy hash that equalises login timing, counts as outdated")
	}
	if !metadata.CheckPassword(metadata.DummyHash, "faultline-timing-equalizer") {
		t.Error("the dummy hash is not a hash of its password")
	}
	old := oldHash("correct horse")
	if !metadata.CheckPassword(old, "correct horse") || !metadata.Outdated(old) {
		t.Error("a hash with the old parameters must verify and count as outdated")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=x$AA$AA", h[:len(h)-44]} {
		if metadata.CheckPassword(bad, "correct horse") {
			t.Errorf("malformed hash %q verified", bad)
		}
	}
}

// A login with a hash of older parameters succeeds and replaces the hash.
func TestLoginUpgradesOldHashes(t *testing.T) {
	db := metadatatest.Open(t)
	ctx := context.Background()
	email := metadatatest.Slug("old") + "@example.com"
	id, err := db.CreateUser(ctx, metadata.NewUser{Email: email, Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetPasswordHash(ctx, id, oldHash("correct horse")); err != nil {
		t.Fatal(err)
	}
	if got, err := db.CheckLogin(ctx, email, "correct horse"); err != nil || got != id {
		t.Fatalf("login with an old hash: %d, %v", got, err)
	}
	hash, err := db.PasswordHash(ctx, id)
	if err != nil || metadata.Outdated(hash) || !metadata.CheckPassword(hash, "correct horse") {
		t.Errorf("after the login the hash is %s (%v); want a current hash of the same password", hash, err)
	}
}

// Past its slots and wait, password work is refused with ErrBusy; a
// cancelled request stops waiting.
func TestPasswordHashingIsBounded(t *testing.T) {
	db := metadatatest.Open(t)
	ctx := context.Background()
	db.SetPasswordHashLimit(1, 20*time.Millisecond)
	release, err := db.AcquireHashSlot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CheckLogin(ctx, "nobody@example.com", "guess"); !errors.Is(err, metadata.ErrBusy) {
		t.Errorf("a login while every slot is busy: %v, want ErrBusy", err)
	}
	if _, err := db.CreateUser(ctx, metadata.NewUser{Email: metadatatest.Slug("busy") + "@example.com", Password: "long enough"}); !errors.Is(err, metadata.ErrBusy) {
		t.Errorf("a registration while every slot is busy: %v, want ErrBusy", err)
	}
	db.SetPasswordHashLimit(1, time.Hour)
	release2, _ := db.AcquireHashSlot(ctx)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := db.CheckLogin(cancelled, "nobody@example.com", "guess"); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled login waiting for a slot: %v", err)
	}
	release()
	release2()
	if _, err := db.CheckLogin(ctx, "nobody@example.com", "guess"); !errors.Is(err, metadata.ErrBadCredentials) {
		t.Errorf("a login with a free slot: %v, want ErrBadCredentials", err)
	}
}
