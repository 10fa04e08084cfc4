package queue

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"
)

// Partitions is how many partitions the events topic gets when Faultline
// creates it. Partitions bound how many workers can share the load.
const Partitions = 16

// EnsureTopics creates the topics Faultline uses when they do not exist.
// kafka-go's writer does not ask brokers to create topics, so this runs at
// start.
func EnsureTopics(ctx context.Context, brokers []string) error {
	conn, err := dial(ctx, brokers)
	if err != nil {
		return err
	}
	defer conn.Close()
	controller, err := conn.Controller()
	if err != nil {
		return fmt.Errorf("find Kafka controller: %w", err)
	}
	cc, err := (&kafka.Dialer{Timeout: 5 * time.Second}).DialContext(ctx, "tcp",
		net.JoinHostPort(controller.Host, strconv.Itoa(controller.Port)))
	if err != nil {
		return fmt.Errorf("connect to Kafka controller: %w", err)
	}
	defer cc.Close()
	err = cc.CreateTopics(
		kafka.TopicConfig{Topic: EventsTopic, NumPartitions: Partitions, ReplicationFactor: -1},
		kafka.TopicConfig{Topic: DeadLetterTopic, NumPartitions: 1, ReplicationFactor: -1},
		kafka.TopicConfig{Topic: OutcomesTopic, NumPartitions: 4, ReplicationFactor: -1},
	)
	if err != nil && !errors.Is(err, kafka.TopicAlreadyExists) {
		return fmt.Errorf("create Kafka topics: %w", err)
	}
	return nil
}

// Ping checks that a broker answers a metadata request.
func Ping(ctx context.Context, brokers []string) error {
	conn, err := dial(ctx, brokers)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := conn.Brokers(); err != nil {
		return fmt.Errorf("Kafka metadata: %w", err)
	}
	return nil
}

func dial(ctx context.Context, brokers []string) (*kafka.Conn, error) {
	if len(brokers) == 0 {
		return nil, errors.New("no Kafka brokers configured")
	}
	d := &kafka.Dialer{Timeout: 5 * time.Second}
	var errs []error
	for _, b := range brokers {
		conn, err := d.DialContext(ctx, "tcp", b)
		if err == nil {
			return conn, nil
		}
		errs = append(errs, err)
	}
	return nil, fmt.Errorf("connect to Kafka %v: %w", brokers, errors.Join(errs...))
}
