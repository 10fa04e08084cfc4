package metadata

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/crypto/argon2"
)

// Passwords are hashed with argon2id, stored as PHC strings that carry their
// parameters, so hashes made with other parameters (Faultline's first ones
// were m=64 MiB, t=2, p=2) still verify; they are rehashed at the next
// successful login.
//
// The parameters are the first of the equivalent argon2id settings in
// OWASP's Password Storage Cheat Sheet: m=19 MiB, t=2, p=1. Each check holds
// m of memory while it runs (about 26 ms on one core here, against 160 ms
// for the old 64 MiB, p=2), and checks run at most 2 per core at once (see
// hashLimit), so logins cost at most about 40 MiB per core however many
// arrive (old 64 MiB hashes, until rehashed, up to 128 MiB per core).
// 64 MiB under the same bound would also have been safe, but would
// make each login 6 times slower for the same resistance OWASP accepts.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024 // KiB
	argonThreads = 1
	argonKeyLen  = 32
)

// dummyHash is checked against when the email is unknown, so that a login
// takes as long for an unknown email as for a wrong password. It has the
// current parameters; its password is "faultline-timing-equalizer".
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$ZmF1bHRsaW5lLWR1bW15IQ$eaf2OOEWfWaccL0+bzCxVuu5mtM4oTrVlSe5gLI5/eM"

// HashPassword hashes a password with argon2id in the PHC string format.
// Request paths hash through the DB, whose methods bound concurrent hashing.
func HashPassword(password string) string {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		enc.EncodeToString(salt), enc.EncodeToString(key))
}

// CheckPassword reports whether password matches a HashPassword result.
func CheckPassword(hash, password string) bool {
	p, ok := parsePHC(hash)
	if !ok {
		return false
	}
	got := argon2.IDKey([]byte(password), p.salt, p.time, p.memory, p.threads, uint32(len(p.key)))
	return subtle.ConstantTimeCompare(got, p.key) == 1
}

type phc struct {
	memory, time uint32
	threads      uint8
	salt, key    []byte
}

func parsePHC(hash string) (phc, bool) {
	var p phc
	var version int
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return p, false
	}
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memory, &p.time, &p.threads); err != nil {
		return p, false
	}
	enc := base64.RawStdEncoding
	var err1, err2 error
	p.salt, err1 = enc.DecodeString(parts[4])
	p.key, err2 = enc.DecodeString(parts[5])
	return p, err1 == nil && err2 == nil && len(p.key) > 0
}

// outdated reports whether a hash was made with other parameters than
// HashPassword's, and should be replaced once the password is known.
func outdated(hash string) bool {
	p, ok := parsePHC(hash)
	return ok && (p.memory != argonMemory || p.time != argonTime || p.threads != argonThreads || len(p.key) != argonKeyLen)
}

// ErrBusy is returned when too many password checks are waiting already;
// the caller should answer 503 and ask the client to retry shortly.
var ErrBusy = errors.New("too many logins at once; retry in a moment")

// hashLimit bounds concurrent password hashing: each argon2id call holds
// argonMemory (or what an older hash names) until it returns. A caller waits
// up to wait for a slot, then gets ErrBusy.
type hashLimit struct {
	slots chan struct{}
	wait  time.Duration
	shed  prometheus.Counter // checks refused for want of a slot
}

// defaultHashSlots is how many passwords are hashed at once: two per core,
// so the cores stay busy while a check's request reads its row.
func defaultHashSlots() int { return 2 * runtime.GOMAXPROCS(0) }

// defaultHashWait is how long a password check waits for a hashing slot
// before it is refused.
const defaultHashWait = 2 * time.Second

func newHashLimit(slots int, wait time.Duration, shed prometheus.Counter) *hashLimit {
	return &hashLimit{slots: make(chan struct{}, max(slots, 1)), wait: wait, shed: shed}
}

func (l *hashLimit) acquire(ctx context.Context) error {
	select {
	case l.slots <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(l.wait)
	defer t.Stop()
	select {
	case l.slots <- struct{}{}:
		return nil
	case <-t.C:
		l.shed.Inc()
		return ErrBusy
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (l *hashLimit) release() { <-l.slots }

// SetPasswordHashLimit sets how many passwords are hashed at once and how
// long a check waits for its turn (defaultHashSlots and defaultHashWait
// unless set). Checks already waiting keep the old limit.
func (db *DB) SetPasswordHashLimit(slots int, wait time.Duration) {
	db.hashes.Store(newHashLimit(slots, wait, db.metrics.passwordHashesShed))
}

// hashLimit returns the DB's bound on password hashing, the default one
// unless SetPasswordHashLimit set another.
func (db *DB) hashLimit() *hashLimit {
	if l := db.hashes.Load(); l != nil {
		return l
	}
	db.hashes.CompareAndSwap(nil, newHashLimit(defaultHashSlots(), defaultHashWait, db.metrics.passwordHashesShed))
	return db.hashes.Load()
}

// hashPassword is HashPassword within the concurrency bound.
func (db *DB) hashPassword(ctx context.Context, password string) (string, error) {
	l := db.hashLimit()
	if err := l.acquire(ctx); err != nil {
		return "", err
	}
	defer l.release()
	return HashPassword(password), nil
}

// checkPassword is CheckPassword within the concurrency bound.
func (db *DB) checkPassword(ctx context.Context, hash, password string) (bool, error) {
	l := db.hashLimit()
	if err := l.acquire(ctx); err != nil {
		return false, err
	}
	defer l.release()
	return CheckPassword(hash, password), nil
}

// MinPasswordLength is the fewest characters a password may have.
const MinPasswordLength = 8

// checkPassword refuses a password too short to keep, as an InvalidError;
// what names the password in the message ("the new password").
func checkPassword(what, password string) error {
	if len(password) < MinPasswordLength {
		return invalid("%s must be at least %d characters", what, MinPasswordLength)
	}
	return nil
}
