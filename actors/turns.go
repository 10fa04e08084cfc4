package actors

// parseTurns bounds how many project actors parse records at once: a
// worker's parsing is CPU work in bursts (a partition's batch of hundreds
// of events at a time) that no client waits on, while each of ingest's
// requests has a client waiting for its answer. Left alone, the batches of
// a few partitions took every processor, and a request waited behind them
// for its turn to run: tens of milliseconds at the tail. A server that
// also answers ingest leaves it a processor this way (see
// WorkerConfig.Parsers). A nil parseTurns bounds nothing.
type parseTurns chan struct{}

func newParseTurns(n int) parseTurns {
	if n <= 0 {
		return nil
	}
	return make(parseTurns, n)
}

// do runs f in a turn, waiting for one first.
func (t parseTurns) do(f func()) {
	if t == nil {
		f()
		return
	}
	t <- struct{}{}
	defer func() { <-t }()
	f()
}

// outside runs f with the caller's turn given back meanwhile, for work
// inside a turn that waits on something else (symbolication reads source
// maps from PostgreSQL and the blob store).
func (t parseTurns) outside(f func()) {
	if t == nil {
		f()
		return
	}
	<-t
	defer func() { t <- struct{}{} }()
	f()
}
