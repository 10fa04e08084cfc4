package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/analytics/analyticstest"
	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
)

// The fault-injection harness: Faultline as a real process (built from
// this tree) under a load generator that records every event id and the
// answer it got, faults dealt to the process and its stores, and the
// stores counted exactly afterwards.

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// faultlineBinary builds cmd/faultline once per test run.
func faultlineBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "faultline-bin-")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "faultline")
		out, err := exec.Command("go", "build", "-o", builtBin, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// process is one faultline process the harness can kill and restart with
// the same data directory and address.
type process struct {
	t    *testing.T
	bin  string
	args []string
	env  []string
	addr string
	logf *os.File
	cmd  *exec.Cmd
	done chan error
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// newProcess prepares `faultline serve` on the test databases with a data
// directory of its own; extra are more FAULTLINE_* settings.
func newProcess(t *testing.T, extra ...string) *process {
	t.Helper()
	dir := t.TempDir()
	logf, err := os.Create(filepath.Join(dir, "faultline.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logf.Close() })
	p := &process{t: t, bin: faultlineBinary(t), args: []string{"serve"}, addr: freeAddr(t), logf: logf}
	p.env = append(os.Environ(),
		"FAULTLINE_LISTEN="+p.addr, "FAULTLINE_DATABASE_URL="+metadatatest.URL(t), "FAULTLINE_CLICKHOUSE_URL="+analyticstest.URL(t),
		"FAULTLINE_DATA_DIR="+filepath.Join(dir, "data"), "FAULTLINE_SECRET_KEY="+testSecret, "FAULTLINE_LOG_LEVEL=info")
	p.env = append(p.env, extra...)
	t.Cleanup(func() {
		if p.cmd != nil && p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			if len(b) > 8000 {
				b = b[len(b)-8000:]
			}
			t.Logf("faultline log (tail):\n%s", b)
		}
	})
	return p
}

// startUnready runs the process without waiting for it (a broker has no
// HTTP server): it waits until its log says it runs.
func (p *process) startUnready() {
	p.t.Helper()
	p.launch()
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, _ := os.ReadFile(p.logf.Name())
		if strings.Contains(string(b), "is running") {
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s did not start within 30 s", p.args[0])
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (p *process) launch() {
	p.t.Helper()
	p.cmd = exec.Command(p.bin, p.args...)
	p.cmd.Env, p.cmd.Stdout, p.cmd.Stderr = p.env, p.logf, p.logf
	if err := p.cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	p.done = make(chan error, 1)
	go func() { p.done <- p.cmd.Wait() }()
}

// start runs the process and waits until it is ready.
func (p *process) start() {
	p.t.Helper()
	p.launch()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + p.addr + "/.well-known/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case err := <-p.done:
			p.t.Fatalf("faultline exited while starting: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			p.t.Fatal("faultline not ready within 60 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// signal sends sig and waits for the process to exit, returning how long
// that took.
func (p *process) signal(sig syscall.Signal) time.Duration {
	p.t.Helper()
	start := time.Now()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(90 * time.Second):
		p.t.Fatalf("faultline did not exit within 90 s of %v", sig)
	}
	return time.Since(start)
}

// peakRSS is the process's peak resident memory in MiB (VmHWM).
func (p *process) peakRSS() int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.Atoi(f[1])
			return kb / 1024
		}
	}
	return -1
}

// answer is what the load generator got for one event.
type answer int

const (
	accepted answer = iota // 200: the event must be stored, exactly once
	refused                // an HTTP error status: the event must not be stored
	noAnswer               // the connection failed: either, but at most once
)

// load sends events to one project from several goroutines until stopped,
// keeping every event id with the answer it got.
type load struct {
	addr      string
	projectID int64
	key       string
	payload   func(id string) []byte

	mu      sync.Mutex
	answers map[string]answer
	codes   map[int]int
	errs    map[string]int // the errors of requests that got no answer
	stop    context.CancelFunc
	wg      sync.WaitGroup
}

// startLoad sends from workers goroutines until finish, or until limit
// events were answered (0: no limit).
func startLoad(addr string, projectID int64, key string, workers, limit int, payload func(id string) []byte) *load {
	ctx, cancel := context.WithCancel(context.Background())
	l := &load{addr: addr, projectID: projectID, key: key, payload: payload, answers: map[string]answer{}, codes: map[int]int{}, errs: map[string]int{}, stop: cancel}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	for range workers {
		l.wg.Go(func() {
			for ctx.Err() == nil && (limit == 0 || l.sent() < limit) {
				l.send(client)
			}
		})
	}
	return l
}

func newEventID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// sent is how many events were answered so far.
func (l *load) sent() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.answers)
}

func (l *load) send(client *http.Client) {
	id := newEventID()
	var body bytes.Buffer
	fmt.Fprintf(&body, "{\"event_id\":%q,\"sent_at\":%q}\n{\"type\":\"event\"}\n", id, time.Now().UTC().Format(time.RFC3339Nano))
	body.Write(l.payload(id))
	url := fmt.Sprintf("http://%s/api/%d/envelope/?sentry_key=%s", l.addr, l.projectID, l.key)
	resp, err := client.Post(url, "application/x-sentry-envelope", &body)
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case err != nil:
		l.answers[id] = noAnswer
		if errors.Is(err, syscall.ECONNREFUSED) {
			l.answers[id] = refused // nothing was sent
		} else {
			l.errs[strings.TrimPrefix(err.Error(), fmt.Sprintf("Post %q: ", url))]++
		}
		l.codes[0]++
	default:
		resp.Body.Close()
		l.codes[resp.StatusCode]++
		l.answers[id] = refused
		if resp.StatusCode == http.StatusOK {
			l.answers[id] = accepted
		}
	}
	if err != nil || resp.StatusCode != http.StatusOK {
		time.Sleep(50 * time.Millisecond) // do not spin against a process that is down
	}
}

// finish stops the load and returns the ids by answer.
func (l *load) finish() map[answer][]string {
	l.stop()
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[answer][]string{}
	for id, a := range l.answers {
		out[a] = append(out[a], id)
	}
	return out
}

// smallEvent is a ~1 KB error event of one of three kinds.
func smallEvent(id string) []byte {
	kind := int(id[0]) % 3
	return fmt.Appendf(nil, `{"platform":"go","level":"error","exception":{"values":[{"type":"Chaos%dError","value":"event %s",`+
		`"stacktrace":{"frames":[{"module":"app/chaos","function":"Run%d","in_app":true,"lineno":%d}]}}]}}`, kind, id, kind, 10+kind)
}

// verify waits until every accepted event is stored and counted, then
// checks the stores exactly: accepted ⊆ stored, nothing refused stored, no
// event stored twice, PostgreSQL's counts equal ClickHouse's events. It
// returns how long the stores took to catch up.
func verify(t *testing.T, db *metadata.DB, store *analytics.Store, projectID int64, got map[answer][]string, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	ctx := context.Background()
	var stored map[string]int
	var counted int64
	for {
		var err error
		if stored, err = store.StoredEventIDs(ctx, uint64(projectID)); err != nil {
			t.Fatal(err)
		}
		issues, err := db.ListIssues(ctx, projectID, 100, 0)
		if err != nil {
			t.Fatal(err)
		}
		counted = 0
		for _, is := range issues {
			counted += is.TimesSeen
		}
		missing := 0
		for _, id := range got[accepted] {
			if stored[id] == 0 {
				missing++
			}
		}
		if missing == 0 && counted == int64(len(stored)) {
			break
		}
		if time.Since(start) > within {
			t.Fatalf("after %s: %d of %d accepted events not stored; %d stored, %d counted", within, missing, len(got[accepted]), len(stored), counted)
		}
		time.Sleep(250 * time.Millisecond)
	}
	caughtUp := time.Since(start)
	for _, id := range got[refused] {
		if stored[id] > 0 {
			t.Errorf("event %s was refused but stored", id)
		}
	}
	answered := map[string]bool{}
	for _, a := range []answer{accepted, noAnswer} {
		for _, id := range got[a] {
			answered[id] = true
		}
	}
	dup := 0
	for id, n := range stored {
		if !answered[id] {
			t.Errorf("event %s is stored but was never sent", id)
		}
		if n > 1 {
			dup++
		}
	}
	if dup > 0 {
		t.Errorf("%d events stored more than once", dup)
	}
	if counted != int64(len(stored)) {
		t.Errorf("PostgreSQL counted %d events, ClickHouse holds %d", counted, len(stored))
	}
	return caughtUp
}

// metadataProject is a bootstrapped project with the store that made it.
type metadataProject struct {
	db *metadata.DB
	metadata.BootstrapResult
}
