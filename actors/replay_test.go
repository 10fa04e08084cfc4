package actors

import (
	"testing"

	"github.com/segmentio/kafka-go"
)

func TestReplayWindow(t *testing.T) {
	msgs := func(partition int, offsets ...int64) []kafka.Message {
		var out []kafka.Message
		for _, o := range offsets {
			out = append(out, kafka.Message{Partition: partition, Offset: o})
		}
		return out
	}
	w := replayWindow{span: 4}
	steps := []struct {
		name  string
		batch []kafka.Message
		want  bool
	}{
		{"first batch after start", msgs(0, 10, 11), true},
		{"still within span of the start", msgs(0, 12, 13), true},
		{"past the span", msgs(0, 14, 15), false},
		{"another partition starts", msgs(1, 0, 1), true},
		{"partition 0 continues", msgs(0, 16), false},
		{"a rewind (a rebalance gave it back)", msgs(0, 12), true},
		{"mixed: one suspect record suffices", append(msgs(0, 13), msgs(1, 2)...), true},
		{"partition 0 still within the rewind's span", append(msgs(0, 14, 15), msgs(1, 3)...), true},
		{"both past their spans", append(msgs(0, 16), msgs(1, 4)...), false},
	}
	if _, restarted := (&replayWindow{span: 4}).suspect(append(msgs(0, 5, 6), msgs(3, 9)...)); !restarted[0] || !restarted[3] || len(restarted) != 2 {
		t.Errorf("restarted partitions %v, want 0 and 3", restarted)
	}
	for _, s := range steps {
		if got, _ := w.suspect(s.batch); got != s.want {
			t.Errorf("%s: suspect = %v, want %v", s.name, got, s.want)
		}
	}
}
