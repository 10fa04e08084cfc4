package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fakeProc writes a /proc with one stat file per process: pid, parent and
// the four CPU fields (utime, stime, cutime, cstime) in ticks.
func fakeProc(t *testing.T, procs map[int][5]int) string {
	t.Helper()
	root := t.TempDir()
	for pid, p := range procs {
		dir := filepath.Join(root, strconv.Itoa(pid))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		// Fields 3 to 13 are filler; a command with spaces and a ')' inside.
		stat := strconv.Itoa(pid) + " (post gres) x) S " + strconv.Itoa(p[0]) + " 0 0 0 0 0 0 0 0 0 " +
			strconv.Itoa(p[1]) + " " + strconv.Itoa(p[2]) + " " + strconv.Itoa(p[3]) + " " + strconv.Itoa(p[4]) + " 20 0 1 0\n"
		if err := os.WriteFile(filepath.Join(dir, "stat"), []byte(stat), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(root, "self"), 0o755); err != nil { // not a pid: skipped
		t.Fatal(err)
	}
	return root
}

// A store is measured whole: the process, the children it reaped (cutime,
// cstime) and every live descendant, and nothing outside its tree.
func TestTreeCPUSumsAProcessTree(t *testing.T) {
	proc := fakeProc(t, map[int][5]int{
		10: {1, 100, 50, 30, 20},  // the postmaster, having reaped some connections
		11: {10, 40, 10, 0, 0},    // a connection
		12: {11, 5, 5, 0, 0},      // a child of that
		13: {1, 1000, 1000, 0, 0}, // another process
	})
	got, err := treeCPU(proc, 10)
	if want := 2600 * time.Millisecond; err != nil || got != want {
		t.Errorf("tree of 10: %s, %v; want %s", got, err, want)
	}
	if got, err := treeCPU(proc, 11); err != nil || got != 600*time.Millisecond {
		t.Errorf("tree of 11: %s, %v; want 600ms", got, err)
	}
	if _, err := treeCPU(proc, 99); err == nil || !strings.Contains(err.Error(), "99 is not running") {
		t.Errorf("a pid that is not running: err = %v", err)
	}
}

// A child's CPU still counts once it has ended and been reaped, as
// PostgreSQL's connections are.
func TestTreeCPUKeepsReapedChildren(t *testing.T) {
	before, err := treeCPU("/proc", os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", "-c", "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	child := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	if child < 50*time.Millisecond {
		t.Fatalf("the child used only %s; too little to tell", child)
	}
	after, err := treeCPU("/proc", os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if grew := after - before; grew < child-20*time.Millisecond {
		t.Errorf("the tree grew by %s while a reaped child used %s", grew, child)
	}
}

func TestStorePIDFlag(t *testing.T) {
	var s storePIDs
	for _, v := range []string{"postgres=12", "clickhouse=34"} {
		if err := s.Set(v); err != nil {
			t.Fatalf("Set(%q): %v", v, err)
		}
	}
	if s.String() != "postgres=12,clickhouse=34" {
		t.Errorf("flag reads back as %q", s.String())
	}
	for _, bad := range []string{"postgres", "=12", "postgres=x", "postgres=-1"} {
		if err := s.Set(bad); err == nil || !strings.Contains(err.Error(), "name=pid") {
			t.Errorf("Set(%q): err = %v, want one naming the form", bad, err)
		}
	}
}

// The report gives each store's CPU per accepted event, or why it is
// unknown, measured between start and stop.
func TestStoreMeterReport(t *testing.T) {
	procs := map[int][5]int{20: {1, 100, 0, 0, 0}}
	m := &storeMeter{proc: fakeProc(t, procs), stores: storePIDs{{"postgres", 20}, {"clickhouse", 21}}}
	m.start()
	procs[20] = [5]int{1, 250, 50, 0, 0} // 2 s more
	m.proc = fakeProc(t, procs)
	r := &result{accepted: 4000, stores: m.stop()}
	var out bytes.Buffer
	r.print(&out)
	for _, want := range []string{"postgres CPU: 2.00 s, 0.500 ms per accepted event", "clickhouse CPU: unknown (process 21 is not running)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, out.String())
		}
	}
}
