package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
)

// EmbeddedConfig configures the embedded broker. A zero (or negative) field
// takes the default named in its comment; the setting named in parentheses
// is the environment variable meant to set it.
type EmbeddedConfig struct {
	// DataDir holds the broker's log, under DataDir/kafka.
	DataDir string
	// Port is the TCP port on 127.0.0.1; 0 picks a free one.
	Port int

	// Retention is how long records of the events and outcomes topics
	// stay, by their timestamp, once their consumer group committed past
	// them (default 24h; FAULTLINE_BROKER_RETENTION). Records a group has
	// not committed past are never deleted, whatever their age or size.
	Retention time.Duration
	// MaxBytes caps the records the events and outcomes topics hold
	// (default 10 GiB; FAULTLINE_BROKER_MAX_BYTES). Past it, consumed
	// records are deleted whatever their age, oldest first; unconsumed
	// ones stay, so the log exceeds the cap while consumers lag. Records
	// go by whole batches and files by whole segments (8 MiB), so the
	// files can hold up to a segment per partition more than the cap.
	MaxBytes int64
	// DeadLetterRetention is how long dead letters stay (default 30 days).
	// Nothing consumes that topic, so age and DeadLetterMaxBytes are all
	// that ever free it.
	DeadLetterRetention time.Duration
	// DeadLetterMaxBytes caps the dead-letter topic (default 1 GiB);
	// past it the oldest dead letters go.
	DeadLetterMaxBytes int64
	// MinFreeBytes is the free space the broker's file system must keep
	// (default: 1 GiB or 5 % of the file system, whichever is smaller, so
	// that a small volume is not refused outright;
	// FAULTLINE_BROKER_MIN_FREE). Below it Writable fails, and the
	// reclaimer deletes consumed records whatever their age, oldest
	// first, until the space is back.
	MinFreeBytes int64
	// ReclaimEvery is how often the reclaimer runs (default 30s); it also
	// runs once at start.
	ReclaimEvery time.Duration
	// Registerer takes the broker's metrics; nil registers them nowhere.
	Registerer prometheus.Registerer
	// Sync is how a sync round makes the log durable (default
	// SyncFilesystem where the kernel reports its errors, else SyncFiles).
	Sync LogSync

	// For tests: kfake's log.segment.bytes (default 8 MiB: a partition
	// frees space a segment at a time, and keeps its last one, so 21
	// partitions hold up to 168 MiB that no reclaim frees), the disk
	// check period (default 1s) and the free-space source (default
	// statfs).
	segmentBytes int64
	checkEvery   time.Duration
	statfs       func(dir string) (free, size uint64, err error)
	// For tests: what fsyncs a log file or directory (default
	// (*os.File).Sync), and what syncs a file's whole file system under
	// SyncFilesystem (default syncfs(2)).
	fsync  func(*os.File) error
	syncfs func(*os.File) error
	// syncGap is the least time between the starts of two sync rounds
	// (default 2ms).
	syncGap time.Duration
}

// Validate reports the fields that cannot work, naming each with the
// environment variable meant to set it where there is one.
func (c EmbeddedConfig) Validate() error {
	var errs []error
	if c.DataDir == "" {
		errs = append(errs, errors.New("FAULTLINE_DATA_DIR: the embedded broker needs a directory for its log"))
	}
	if c.Port < 0 || c.Port > 65535 {
		errs = append(errs, fmt.Errorf("embedded broker port %d is not from 0 to 65535", c.Port))
	}
	for _, f := range []struct {
		name string
		neg  bool
	}{
		{"FAULTLINE_BROKER_RETENTION", c.Retention < 0},
		{"FAULTLINE_BROKER_MAX_BYTES", c.MaxBytes < 0},
		{"FAULTLINE_BROKER_MIN_FREE", c.MinFreeBytes < 0},
		{"dead-letter retention", c.DeadLetterRetention < 0},
		{"dead-letter size", c.DeadLetterMaxBytes < 0},
		{"reclaim period", c.ReclaimEvery < 0},
	} {
		if f.neg {
			errs = append(errs, fmt.Errorf("%s: must not be negative (zero takes the default)", f.name))
		}
	}
	switch c.Sync {
	case "", SyncFilesystem, SyncFiles:
	default:
		errs = append(errs, fmt.Errorf("FAULTLINE_BROKER_SYNC: %q is neither %q nor %q", c.Sync, SyncFilesystem, SyncFiles))
	}
	return errors.Join(errs...)
}

func (c EmbeddedConfig) withDefaults() EmbeddedConfig {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	defBytes := func(v *int64, d int64) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.Retention, 24*time.Hour)
	def(&c.syncGap, 2*time.Millisecond)
	def(&c.DeadLetterRetention, 30*24*time.Hour)
	def(&c.ReclaimEvery, 30*time.Second)
	def(&c.checkEvery, time.Second)
	defBytes(&c.MaxBytes, 10<<30)
	defBytes(&c.DeadLetterMaxBytes, 1<<30)
	defBytes(&c.segmentBytes, 8<<20)
	if c.statfs == nil {
		c.statfs = statfs
	}
	if c.Sync == "" {
		c.Sync = defaultLogSync()
	}
	if c.syncfs == nil {
		c.syncfs = syncfs
	}
	return c
}

// Embedded is an in-process, single-node Kafka-protocol broker that keeps
// its log under a data directory and answers no request before what it
// wrote is on disk (groupcommit.go), so records that ingest acknowledged
// survive a crash. It owns three goroutines, all started by StartEmbedded
// and stopped by Close: the group committer, the disk guard (behind
// Writable) and the reclaimer (retention).
type Embedded struct {
	cluster *kfake.Cluster
	addr    string
	local   *inProcessListener // nil if kfake did not listen through ListenFn
	dir     string
	cfg     EmbeddedConfig
	metrics *brokerMetrics
	log     *slog.Logger

	// offsets answers ListOffsets-by-timestamp requests for the
	// reclaimer, over its own connections.
	offsets   *kafka.Client
	transport *kafka.Transport

	logFiles  *logFiles
	committer *groupCommitter // nil where kfake syncs every batch itself

	disk      atomic.Pointer[diskState]
	reclaimMu sync.Mutex // one reclaim at a time

	stop context.CancelFunc
	wg   sync.WaitGroup
}

// StartEmbedded starts the broker on 127.0.0.1:cfg.Port with its log under
// cfg.DataDir/kafka. It starts on a full disk as long as the directory
// held a broker before (Writable then says why ingest must wait); a new
// directory needs a few hundred KiB to initialize.
func StartEmbedded(cfg EmbeddedConfig, log *slog.Logger) (*Embedded, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	dir := filepath.Join(cfg.DataDir, "kafka")
	files := newLogFiles(dir, cfg.segmentBytes, cfg.fsync, seedTopics)
	if cfg.Sync == SyncFilesystem {
		files.syncfs = cfg.syncfs
	}
	var committer *groupCommitter
	var local *inProcessListener
	opts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.Ports(cfg.Port),
		kfake.ListenFn(func(network, address string) (net.Listener, error) {
			_, p, err := net.SplitHostPort(address)
			if err != nil {
				return nil, err
			}
			tcp, err := net.Listen(network, net.JoinHostPort("127.0.0.1", p))
			if err != nil {
				return nil, err
			}
			local = newInProcessListener(tcp)
			if committer == nil {
				return local, nil
			}
			return committedListener{Listener: local, g: committer}, nil
		}),
		kfake.WithLogger(kfakeLog{log}),
		kfake.DataDir(dir),
		// Options override the broker configs saved in the data
		// directory, and topics created earlier have no segment size of
		// their own, so this applies to them too: their active segment
		// rolls at the next write. The log tracking relies on no topic
		// having a segment size of its own.
		kfake.BrokerConfigs(map[string]string{"log.segment.bytes": strconv.FormatInt(cfg.segmentBytes, 10)}),
		kfake.DefaultNumPartitions(Partitions),
		kfake.SeedTopics(Partitions, EventsTopic),
		kfake.SeedTopics(1, DeadLetterTopic),
		kfake.SeedTopics(4, OutcomesTopic),
	}
	if groupCommitSupported {
		roundSeconds := syncRoundHistogram(cfg.Registerer)
		committer = newGroupCommitter(func() error {
			start := time.Now()
			err := files.sync()
			roundSeconds.Observe(time.Since(start).Seconds())
			return err
		}, cfg.syncGap)
	} else {
		opts = append(opts, kfake.SyncWrites())
	}
	cluster, err := kfake.NewCluster(opts...)
	if err != nil {
		if committer != nil {
			committer.close()
		}
		files.close()
		if errors.Is(err, syscall.ENOSPC) {
			free, _, _ := cfg.statfs(cfg.DataDir)
			return nil, fmt.Errorf("%w: %s free under %s, too little to initialize a new broker directory: free some space and start again: %w",
				ErrBrokerDisk, iec(free), cfg.DataDir, err)
		}
		return nil, fmt.Errorf("start embedded Kafka broker in %s: %w", dir, err)
	}
	if err := ensureSeedTopics(cluster); err != nil {
		cluster.Close()
		if committer != nil {
			committer.close()
		}
		files.close()
		return nil, fmt.Errorf("start embedded Kafka broker in %s: %w", dir, err)
	}
	addr := cluster.ListenAddrs()[0]
	transport := &kafka.Transport{DialTimeout: 5 * time.Second, IdleTimeout: time.Minute}
	e := &Embedded{
		cluster: cluster, addr: addr, dir: dir, cfg: cfg, metrics: newBrokerMetrics(cfg.Registerer), log: log,
		logFiles: files, committer: committer, local: local,
		offsets:   &kafka.Client{Addr: kafka.TCP(addr), Timeout: 10 * time.Second, Transport: transport},
		transport: transport,
	}
	transport.Dial = e.Dial // the reclaimer's offset lookups stay in process too
	registerSyncMetrics(cfg.Registerer, files, committer)
	e.checkDisk()
	ctx, stop := context.WithCancel(context.Background())
	e.stop = stop
	e.wg.Add(2)
	go func() { defer e.wg.Done(); e.every(ctx, cfg.checkEvery, func(context.Context) { e.checkDisk() }) }()
	go func() { defer e.wg.Done(); e.every(ctx, cfg.ReclaimEvery, e.reclaimRun) }()
	log.Info("embedded Kafka broker started", "addr", addr, "dir", dir,
		"retention", cfg.Retention, "max_bytes", cfg.MaxBytes, "min_free", iec(e.disk.Load().min), "sync", cfg.Sync)
	return e, nil
}

// seedTopics are the topics the broker creates and their partition counts.
var seedTopics = map[string]int32{EventsTopic: Partitions, DeadLetterTopic: 1, OutcomesTopic: 4}

// ensureSeedTopics creates the topics kfake's SeedTopics would have. kfake
// seeds only a directory without saved state, and a first start that ran
// out of space can leave saved state without its topics.
func ensureSeedTopics(c *kfake.Cluster) error {
	for topic, n := range seedTopics {
		if c.TopicInfo(topic) != nil {
			continue
		}
		if err := c.CreateTopic(topic, n, nil); err != nil {
			return fmt.Errorf("create topic %s: %w", topic, err)
		}
	}
	return nil
}

// kfakeLog passes kfake's warnings and errors (failed writes of its log
// and state files among them) to the process log.
type kfakeLog struct{ log *slog.Logger }

func (l kfakeLog) Logf(level kfake.LogLevel, format string, args ...any) {
	switch level {
	case kfake.LogLevelError:
		l.log.Error("embedded broker: " + fmt.Sprintf(format, args...))
	case kfake.LogLevelWarn:
		l.log.Warn("embedded broker: " + fmt.Sprintf(format, args...))
	}
}

// every runs fn now and then every d until ctx ends.
func (e *Embedded) every(ctx context.Context, d time.Duration, fn func(context.Context)) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		fn(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Addr is the broker's host:port.
func (e *Embedded) Addr() string { return e.addr }

// Dial connects to a broker: to this one in process, without a socket,
// and to any other over TCP. Clients in the broker's own process (the
// writer, the workers) dial through it.
func (e *Embedded) Dial(ctx context.Context, network, address string) (net.Conn, error) {
	if e.local != nil && address == e.addr {
		return e.local.dial(ctx)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, address)
}

// Close stops the disk guard and the reclaimer (cancelling their context
// and waiting for them), then the broker, and syncs what it wrote last.
func (e *Embedded) Close() {
	e.stop()
	e.wg.Wait()
	e.cluster.Close()
	if e.committer != nil {
		if err := e.committer.close(); err != nil {
			e.log.Error("embedded broker: sync the log on shutdown", "err", err)
		}
	}
	e.logFiles.close()
	e.transport.CloseIdleConnections()
}

// logSyncs is how many fsyncs the broker's log tracking made so far.
func (e *Embedded) logSyncs() int64 { return e.logFiles.fsyncs.Load() }
