package actors

import (
	"context"
	"testing"
	"time"
)

// A project actor parses each record in a turn: while every turn is taken
// (here by the test), its batch waits, and it goes on once one is free.
func TestProjectActorParsesInTurns(t *testing.T) {
	a := storeFreeActor()
	a.parsing = newParseTurns(1)
	a.parsing <- struct{}{} // the only turn, held elsewhere
	done := make(chan *grouped, 1)
	go func() { done <- a.group(context.Background(), records("waits for its turn")) }()
	select {
	case <-done:
		t.Fatal("the batch was parsed while every turn was taken")
	case <-time.After(200 * time.Millisecond):
	}
	<-a.parsing
	select {
	case got := <-done:
		if got.err != nil || len(got.rows.Events) != 1 {
			t.Fatalf("after its turn: %+v", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the batch did not go on once a turn was free")
	}
	if n := len(a.parsing); n != 0 {
		t.Fatalf("%d turns still taken after the batch", n)
	}
}

// Symbolication gives its turn back while it runs: it reads source maps
// from PostgreSQL and the blob store, and other projects' records need not
// wait on those reads. A panic inside a turn gives the turn back too.
func TestParseTurnsAreGivenBack(t *testing.T) {
	turns := newParseTurns(1)
	turns.do(func() {
		turns.outside(func() {
			if len(turns) != 0 {
				t.Error("the turn was kept while waiting on something else")
			}
		})
		if len(turns) != 1 {
			t.Error("the turn was not taken back")
		}
	})
	func() {
		defer func() { _ = recover() }()
		turns.do(func() { panic("a bug in a parser") })
	}()
	if len(turns) != 0 {
		t.Fatalf("%d turns taken after a panic", len(turns))
	}
	var nilTurns parseTurns
	ran := false
	nilTurns.do(func() { nilTurns.outside(func() { ran = true }) })
	if !ran {
		t.Fatal("nil turns must bound nothing")
	}
}
