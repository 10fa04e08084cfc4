package queue

import (
	"fmt"
	"log/slog"
	"net"
	"path/filepath"

	"github.com/twmb/franz-go/pkg/kfake"
)

// Embedded is an in-process, single-node Kafka-protocol broker that keeps
// its log under a data directory and syncs every write, so records that
// ingest acknowledged survive a restart.
type Embedded struct {
	cluster *kfake.Cluster
	addr    string
}

// StartEmbedded starts the broker on 127.0.0.1:port (0 picks a free port)
// with its log under dataDir/kafka.
func StartEmbedded(dataDir string, port int, log *slog.Logger) (*Embedded, error) {
	dir := filepath.Join(dataDir, "kafka")
	cluster, err := kfake.NewCluster(
		kfake.NumBrokers(1),
		kfake.Ports(port),
		kfake.ListenFn(func(network, address string) (net.Listener, error) {
			_, p, err := net.SplitHostPort(address)
			if err != nil {
				return nil, err
			}
			return net.Listen(network, net.JoinHostPort("127.0.0.1", p))
		}),
		kfake.DataDir(dir),
		kfake.SyncWrites(),
		kfake.DefaultNumPartitions(Partitions),
		kfake.SeedTopics(Partitions, EventsTopic),
		kfake.SeedTopics(1, DeadLetterTopic),
		kfake.SeedTopics(4, OutcomesTopic),
	)
	if err != nil {
		return nil, fmt.Errorf("start embedded Kafka broker in %s: %w", dir, err)
	}
	addrs := cluster.ListenAddrs()
	log.Info("embedded Kafka broker started", "addr", addrs[0], "dir", dir)
	return &Embedded{cluster: cluster, addr: addrs[0]}, nil
}

// Addr is the broker's host:port.
func (e *Embedded) Addr() string { return e.addr }

// Close stops the broker, flushing its log.
func (e *Embedded) Close() { e.cluster.Close() }
