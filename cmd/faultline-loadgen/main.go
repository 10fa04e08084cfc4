// Command faultline-loadgen posts realistic Sentry envelopes to a running
// Faultline at a chosen rate and reports accepted events per second and the
// event→issue-visible latency (p50/p99), measured with probe events that each
// open an issue of their own and are looked for through the API, and the CPU
// time the server used meanwhile, per accepted event.
//
// Usage: faultline-loadgen [flags] target.json...
// where each target file is the JSON object `faultline bootstrap` prints.
package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// requestTimeout bounds each request, its answer included.
const requestTimeout = 30 * time.Second

type target struct {
	DSN          string `json:"dsn"`
	Token        string `json:"token"`
	Organization string `json:"organization"`
	Project      string `json:"project"`
	ProjectID    int64  `json:"project_id"`

	base, key string
}

func main() {
	rate := flag.Int("rate", 500, "events per second to send")
	duration := flag.Duration("duration", 30*time.Second, "how long to send")
	workers := flag.Int("concurrency", 16, "concurrent HTTP requests at most")
	probeEvery := flag.Duration("probe-every", 250*time.Millisecond, "how often to send a latency probe; 0 sends none and polls no issues, so the server's CPU is spent on events alone")
	serverPID := flag.Int("server-pid", 0, "read the server's CPU time from /proc/<pid>/stat instead of its /metrics")
	gzipped := flag.Bool("gzip", true, "gzip envelopes, as most SDKs do")
	settle := flag.Duration("settle", 5*time.Second, "without probes, how long at most to wait after sending for the workers to store every accepted event before the server's CPU is read")
	kind := flag.String("kind", "error", "what to send: error (Python-shaped exceptions) or transaction")
	spans := flag.Int("spans", 50, "spans per transaction, with -kind transaction")
	frames := flag.Int("frames", 0, "framework frames added below each error's own 3–4 (20 gives ~10 KB events, as a Django app sends)")
	cpuProfile := flag.String("cpuprofile", "", "write the generator's own CPU profile, while sending, to this file")
	var stores storePIDs
	flag.Var(&stores, "store-pid", "also report the CPU of a store on this box, as name=pid (the process and its descendants, as PostgreSQL's postmaster); repeatable")
	flag.Parse()
	if *kind != "error" && *kind != "transaction" {
		fmt.Fprintf(os.Stderr, "faultline-loadgen: -kind %q: use error or transaction\n", *kind)
		os.Exit(2)
	}
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: faultline-loadgen [flags] target.json... (targets are `faultline bootstrap` output)")
		os.Exit(2)
	}
	var profile *os.File
	if *cpuProfile != "" {
		var err error
		if profile, err = os.Create(*cpuProfile); err != nil {
			fmt.Fprintln(os.Stderr, "faultline-loadgen: -cpuprofile:", err)
			os.Exit(2)
		}
		defer profile.Close()
	}
	targets, err := loadTargets(flag.Args())
	if err != nil {
		fmt.Fprintln(os.Stderr, "faultline-loadgen:", err)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	client := &http.Client{Timeout: requestTimeout, Transport: &http.Transport{MaxIdleConnsPerHost: *workers * 2}}
	cpu := cpuMeter{metricsURL: targets[0].base + "/metrics", pid: *serverPID, client: client}
	r := run(ctx, client, cpu, targets, options{rate: *rate, duration: *duration, workers: *workers, probeEvery: *probeEvery, gzip: *gzipped, settle: *settle,
		transactions: *kind == "transaction", spans: *spans, frames: *frames, cpuProfile: profile, stores: newStoreMeter(stores)})
	r.print(os.Stdout)
	if r.accepted == 0 {
		os.Exit(1)
	}
}

func loadTargets(files []string) ([]*target, error) {
	var out []*target
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var t target
		if err := json.Unmarshal(b, &t); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		u, err := url.Parse(t.DSN)
		if err != nil || u.User == nil {
			return nil, fmt.Errorf("%s: dsn %q is not a DSN", f, t.DSN)
		}
		t.key = u.User.Username()
		t.base = u.Scheme + "://" + u.Host
		out = append(out, &t)
	}
	return out, nil
}

type result struct {
	sent, accepted, rejected, failed int64
	elapsed                          time.Duration
	latencies                        []time.Duration
	accept                           []time.Duration // each request's time to its answer
	probesLost                       int
	bytes                            int64
	serverCPU                        time.Duration // over elapsed and the wait for the last probes
	serverCPUErr                     error
	ownCPU                           time.Duration // the generator's, while sending
	stores                           []storeCPU    // each -store-pid's, over the server's window
	stored                           float64       // records the workers stored over the run, without probes
	drained                          time.Duration // from the last answer until stored reached accepted (or settle ran out)
	storedErr                        error
}

func (r *result) print(w io.Writer) {
	fmt.Fprintf(w, "sent %d, accepted %d, rejected %d, failed %d in %s\n", r.sent, r.accepted, r.rejected, r.failed, r.elapsed.Round(time.Millisecond))
	fmt.Fprintf(w, "accepted events/s: %.0f (avg envelope %d bytes sent)\n", float64(r.accepted)/r.elapsed.Seconds(), r.bytes/max(r.sent, 1))
	if r.serverCPUErr != nil {
		fmt.Fprintf(w, "server CPU: unknown (%v)\n", r.serverCPUErr)
	} else {
		fmt.Fprintf(w, "server CPU: %.2f s, %.3f ms per accepted event\n",
			r.serverCPU.Seconds(), float64(r.serverCPU.Microseconds())/1000/float64(max(r.accepted, 1)))
	}
	switch {
	case r.storedErr != nil:
		fmt.Fprintf(w, "stored: unknown (%v)\n", r.storedErr)
	case r.stored >= float64(r.accepted) && r.accepted > 0:
		fmt.Fprintf(w, "stored: every accepted event, %s after the last answer\n", r.drained.Round(10*time.Millisecond))
	case r.accepted > 0 && r.drained > 0:
		fmt.Fprintf(w, "stored: %.0f of %d accepted events %s after the last answer: the workers were behind, and the CPU figure leaves their remaining work out (raise -settle)\n",
			r.stored, r.accepted, r.drained.Round(10*time.Millisecond))
	}
	for _, s := range r.stores {
		if s.err != nil {
			fmt.Fprintf(w, "%s CPU: unknown (%v)\n", s.name, s.err)
			continue
		}
		fmt.Fprintf(w, "%s CPU: %.2f s, %.3f ms per accepted event\n",
			s.name, s.used.Seconds(), float64(s.used.Microseconds())/1000/float64(max(r.accepted, 1)))
	}
	if r.elapsed > 0 {
		fmt.Fprintf(w, "load generator CPU while sending: %.2f s, %.0f %% of a core\n",
			r.ownCPU.Seconds(), 100*r.ownCPU.Seconds()/r.elapsed.Seconds())
	}
	if len(r.accept) > 0 {
		p50, p99, top := percentiles(r.accept)
		fmt.Fprintf(w, "accept latency: p50 %s, p99 %s, max %s\n", p50.Round(100*time.Microsecond), p99.Round(100*time.Microsecond), top.Round(time.Millisecond))
	}
	if len(r.latencies) == 0 {
		fmt.Fprintf(w, "event→issue latency: no probe seen (%d lost)\n", r.probesLost)
		return
	}
	p50, p99, top := percentiles(r.latencies)
	fmt.Fprintf(w, "event→issue latency over %d probes: p50 %s, p99 %s, max %s (%d probes not seen)\n",
		len(r.latencies), p50.Round(time.Millisecond), p99.Round(time.Millisecond), top.Round(time.Millisecond), r.probesLost)
}

// percentiles sorts ds and returns its p50, p99 and largest.
func percentiles(ds []time.Duration) (p50, p99, top time.Duration) {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	pct := func(p float64) time.Duration { return ds[int(p*float64(len(ds)-1))] }
	return pct(0.50), pct(0.99), ds[len(ds)-1]
}

type options struct {
	rate       int
	duration   time.Duration
	workers    int
	probeEvery time.Duration
	gzip       bool
	settle     time.Duration
	// transactions sends transactions of spans spans each instead of errors.
	transactions bool
	spans        int
	frames       int      // framework frames added to each error
	cpuProfile   *os.File // where to write the generator's CPU profile while sending, if not nil
	stores       *storeMeter
}

func run(ctx context.Context, client *http.Client, cpu cpuMeter, targets []*target, o options) *result {
	rate, duration, workers, probeEvery := o.rate, o.duration, o.workers, o.probeEvery
	res := &result{}
	// Every body is built and gzipped before the clock starts, each with an
	// event id of its own: building them in the sending loop made the
	// generator, not the server, the bottleneck past ~500 events/s.
	buildStart := time.Now()
	built, err := prebuild(targets, o)
	if err != nil {
		res.serverCPUErr = err
		return res
	}
	fmt.Fprintf(os.Stderr, "built %d envelopes in %s; sending\n", len(built), time.Since(buildStart).Round(time.Millisecond))
	if o.cpuProfile != nil {
		if err := pprof.StartCPUProfile(o.cpuProfile); err != nil {
			fmt.Fprintln(os.Stderr, "faultline-loadgen: -cpuprofile:", err)
		} else {
			defer pprof.StopCPUProfile()
		}
	}
	cpuBefore, cpuErr := cpu.used(ctx)
	o.stores.start()
	storedBefore, storedErr := storedRecords(ctx, client, cpu.metricsURL)
	ownBefore := ownCPU()
	jobs := make(chan job, workers*4)
	var latMu sync.Mutex
	var wg sync.WaitGroup
	var accepted, rejected, failed, bytesSent atomic.Int64
	probes := newProbeSet()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var took []time.Duration
			snd := newSender(requestTimeout)
			defer snd.close()
			defer func() {
				latMu.Lock()
				res.accept = append(res.accept, took...)
				latMu.Unlock()
			}()
			for j := range jobs {
				bytesSent.Add(int64(len(j.body)))
				sentAt := time.Now()
				status, err := snd.post(j)
				took = append(took, time.Since(sentAt))
				switch {
				case err != nil:
					if failed.Add(1) <= 3 {
						fmt.Fprintln(os.Stderr, "request failed:", err)
					}
				case status == http.StatusOK:
					accepted.Add(1)
				default:
					if rejected.Add(1) <= 3 {
						fmt.Fprintln(os.Stderr, "request rejected with status", status)
					}
				}
			}
		}()
	}
	pollCtx, stopPolling := context.WithCancel(context.Background())
	var pollers sync.WaitGroup
	for _, t := range targets {
		if probeEvery <= 0 {
			break
		}
		pollers.Add(1)
		go func() { defer pollers.Done(); probes.poll(pollCtx, client, t) }()
	}

	start := time.Now()
	interval := time.Second / time.Duration(max(rate, 1))
	next := start
	lastProbe := start
	for i := 0; i < len(built) && time.Since(start) < duration && ctx.Err() == nil; i++ {
		j := built[i]
		if probeEvery > 0 && time.Since(lastProbe) >= probeEvery {
			lastProbe = time.Now()
			j = probes.newProbe(j.target)
			if o.gzip {
				j = j.gzipped()
			}
		}
		jobs <- j
		res.sent++
		next = next.Add(interval)
		if d := time.Until(next); d > 0 {
			time.Sleep(d)
		}
	}
	close(jobs)
	wg.Wait()
	res.elapsed = time.Since(start)
	res.ownCPU = ownCPU() - ownBefore
	// Give the last probes time to become visible.
	deadline := time.Now().Add(15 * time.Second)
	for probes.pending() > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if probeEvery <= 0 {
		// Wait for the workers to store every accepted event (up to
		// settle), so that the CPU figure holds all of their work; a
		// server without a worker in the process gets the whole settle.
		if storedErr == nil {
			res.drained, res.stored, storedErr = drain(ctx, client, cpu.metricsURL, storedBefore, float64(accepted.Load()), o.settle)
		}
		if storedErr != nil {
			time.Sleep(o.settle)
		}
	}
	res.storedErr = storedErr
	stopPolling()
	pollers.Wait()
	if cpuErr == nil {
		var cpuAfter time.Duration
		cpuAfter, cpuErr = cpu.used(ctx)
		res.serverCPU = cpuAfter - cpuBefore
	}
	res.stores = o.stores.stop()
	res.serverCPUErr = cpuErr
	res.accepted, res.rejected, res.failed, res.bytes = accepted.Load(), rejected.Load(), failed.Load(), bytesSent.Load()
	res.latencies, res.probesLost = probes.results()
	return res
}

type job struct {
	target   *target
	body     []byte
	encoding string // Content-Encoding
	probe    string
}

func (j job) gzipped() job {
	return j.gzippedWith(gzip.NewWriter(nil))
}

func (j job) gzippedWith(w *gzip.Writer) job {
	var b bytes.Buffer
	w.Reset(&b)
	_, _ = w.Write(j.body)
	_ = w.Close()
	j.body, j.encoding = b.Bytes(), "gzip"
	return j
}

// maxPrebuilt bounds the bodies built ahead (about 2.5 KB each gzipped).
const maxPrebuilt = 2_000_000

// prebuild makes the run's rate × duration envelopes, on every core.
func prebuild(targets []*target, o options) ([]job, error) {
	n := int(float64(o.rate) * o.duration.Seconds())
	if n > maxPrebuilt {
		return nil, fmt.Errorf("-rate × -duration is %d events; at most %d are built ahead", n, maxPrebuilt)
	}
	jobs := make([]job, max(n, 1))
	var wg sync.WaitGroup
	parts := runtime.NumCPU()
	for p := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			zw := gzip.NewWriter(nil)
			for i := p; i < len(jobs); i += parts {
				t := targets[i%len(targets)]
				j := job{target: t, body: envelope(t, i, o.frames)}
				if o.transactions {
					j.body = transactionEnvelope(t, i, o.spans)
				}
				if o.gzip {
					j = j.gzippedWith(zw)
				}
				jobs[i] = j
			}
		}()
	}
	wg.Wait()
	return jobs, nil
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// probeSet tracks probe events from their send until their issue shows up.
type probeSet struct {
	mu      sync.Mutex
	sent    map[string]time.Time
	seen    []time.Duration
	perProj map[int64]map[string]bool
}

func newProbeSet() *probeSet {
	return &probeSet{sent: map[string]time.Time{}, perProj: map[int64]map[string]bool{}}
}

func (p *probeSet) newProbe(t *target) job {
	id := newID()
	p.mu.Lock()
	p.sent[id] = time.Now()
	p.mu.Unlock()
	return job{target: t, probe: id, body: probeEnvelope(t, id)}
}

func (p *probeSet) pending() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.sent)
}

func (p *probeSet) results() ([]time.Duration, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.seen, len(p.sent)
}

// poll lists the project's most recently seen issues and records when each
// probe's issue first appears.
func (p *probeSet) poll(ctx context.Context, client *http.Client, t *target) {
	u := fmt.Sprintf("%s/api/0/projects/%s/%s/issues/?limit=100", t.base, t.Organization, t.Project)
	for ctx.Err() == nil {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		req.Header.Set("Authorization", "Bearer "+t.Token)
		resp, err := client.Do(req)
		if err == nil {
			var issues []struct {
				Title string `json:"title"`
			}
			_ = json.NewDecoder(resp.Body).Decode(&issues)
			resp.Body.Close()
			now := time.Now()
			p.mu.Lock()
			for _, is := range issues {
				id, ok := strings.CutPrefix(is.Title, "loadgen probe ")
				if sentAt, pending := p.sent[id]; ok && pending {
					p.seen = append(p.seen, now.Sub(sentAt))
					delete(p.sent, id)
				}
			}
			p.mu.Unlock()
		}
		select {
		case <-ctx.Done():
		case <-time.After(20 * time.Millisecond):
		}
	}
}
