package actors

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/segmentio/kafka-go"
)

func TestConsume(t *testing.T) {
	errStore, errCommit, errFetch := errors.New("store failed"), errors.New("commit failed"), errors.New("fetch failed")
	batch := func(offsets ...int64) []kafka.Message {
		var b []kafka.Message
		for _, o := range offsets {
			b = append(b, kafka.Message{Offset: o})
		}
		return b
	}
	cases := []struct {
		name      string
		batches   [][]kafka.Message // fetched in turn; then ctx ends, or fetchErr
		fetchErr  error
		storeErr  map[int64]error // by the batch's first offset
		commitErr map[int64]error
		wantErr   error
		want      []string
	}{
		{
			name:    "each batch stored, then committed, then released",
			batches: [][]kafka.Message{batch(0, 1), batch(2)},
			want:    []string{"store 0", "commit 0", "release 0", "store 2", "commit 2", "release 2"},
		},
		{
			name:    "an empty batch is neither stored nor committed",
			batches: [][]kafka.Message{nil, batch(5)},
			want:    []string{"release -", "store 5", "commit 5", "release 5"},
		},
		{
			name:     "a failed store stops the loop uncommitted",
			batches:  [][]kafka.Message{batch(0), batch(1), batch(2)},
			storeErr: map[int64]error{1: errStore},
			wantErr:  errStore,
			want:     []string{"store 0", "commit 0", "release 0", "store 1", "release 1"},
		},
		{
			name:      "a failed commit stops the loop",
			batches:   [][]kafka.Message{batch(0), batch(1)},
			commitErr: map[int64]error{0: errCommit},
			wantErr:   errCommit,
			want:      []string{"store 0", "commit 0", "release 0"},
		},
		{
			name:     "a failed fetch stops the loop",
			batches:  [][]kafka.Message{batch(0)},
			fetchErr: errFetch,
			wantErr:  errFetch,
			want:     []string{"store 0", "commit 0", "release 0", "release -"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var got []string
			first := func(b []kafka.Message) string {
				if len(b) == 0 {
					return "-"
				}
				return fmt.Sprint(b[0].Offset)
			}
			next := 0
			err := consume(ctx, batchLoop{
				fetch: func(ctx context.Context) ([]kafka.Message, func(), error) {
					if next == len(tc.batches) {
						if tc.fetchErr != nil {
							return nil, func() { got = append(got, "release -") }, tc.fetchErr
						}
						cancel() // the consumer is stopping
						return nil, nil, ctx.Err()
					}
					b := tc.batches[next]
					next++
					return b, func() { got = append(got, "release "+first(b)) }, nil
				},
				store: func(_ context.Context, b []kafka.Message) error {
					got = append(got, "store "+first(b))
					return tc.storeErr[b[0].Offset]
				},
				commit: func(_ context.Context, b []kafka.Message) error {
					got = append(got, "commit "+first(b))
					return tc.commitErr[b[0].Offset]
				},
			})
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Errorf("consume returned %v, want %v", err, tc.wantErr)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("steps\ngot  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestConsumeStopsQuietlyWhenItsContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	committed := false
	err := consume(ctx, batchLoop{
		fetch: func(context.Context) ([]kafka.Message, func(), error) {
			return []kafka.Message{{Offset: 0}}, nil, nil
		},
		store: func(ctx context.Context, _ []kafka.Message) error {
			cancel() // the worker stops while the batch is being stored
			return fmt.Errorf("store rows: gave up: %w", ctx.Err())
		},
		commit: func(context.Context, []kafka.Message) error { committed = true; return nil },
	})
	if err != nil || committed {
		t.Errorf("consume returned %v, committed %v; want nil, nothing committed", err, committed)
	}
}
