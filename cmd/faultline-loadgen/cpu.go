package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// cpuMeter reads how much CPU time the server process has used: from its
// /metrics (process_cpu_seconds_total, which every Faultline process
// exposes), or from /proc/<pid>/stat when a pid is given, which also works
// for a server whose metrics are not reachable.
type cpuMeter struct {
	metricsURL string
	pid        int // 0: read metricsURL
	client     *http.Client
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's CPU times, which
// Linux fixes at 100 for user space.
const clockTicks = 100

// used returns the CPU time the server has used so far.
func (m cpuMeter) used(ctx context.Context) (time.Duration, error) {
	if m.pid > 0 {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", m.pid))
		if err != nil {
			return 0, fmt.Errorf("server CPU: %w", err)
		}
		return procCPU(string(b))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.metricsURL, nil)
	if err != nil {
		return 0, err
	}
	resp, err := m.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("server CPU: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("server CPU: %s answered %d", m.metricsURL, resp.StatusCode)
	}
	return metricsCPU(resp.Body)
}

// metricsCPU reads process_cpu_seconds_total from Prometheus' text format.
func metricsCPU(r io.Reader) (time.Duration, error) {
	seconds, err := metricValue(r, "process_cpu_seconds_total")
	if err != nil {
		return 0, fmt.Errorf("server CPU: %w (give -server-pid)", err)
	}
	return time.Duration(seconds * float64(time.Second)), nil
}

// procCPU reads the process's own CPU time (utime and stime) from the
// text of /proc/<pid>/stat.
func procCPU(stat string) (time.Duration, error) {
	st, err := parseStat(stat)
	if err != nil {
		return 0, fmt.Errorf("server CPU: /proc %w", err)
	}
	return ticks(st.own), nil
}

// procStat is what the CPU figures read from the text of /proc/<pid>/stat:
// the parent's pid (4th field), the process's own ticks (utime and stime,
// 14th and 15th) and those of the children it has reaped (cutime and
// cstime, 16th and 17th).
type procStat struct {
	ppid        int
	own, reaped int64
}

// parseStat counts fields after the command's closing parenthesis: the
// command, the second field, may hold spaces.
func parseStat(stat string) (procStat, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return procStat{}, errors.New("stat has no command field")
	}
	fields := strings.Fields(stat[i+1:]) // from the 3rd field on
	if len(fields) < 15 {
		return procStat{}, errors.New("stat is too short")
	}
	var st procStat
	var err error
	if st.ppid, err = strconv.Atoi(fields[1]); err != nil {
		return procStat{}, fmt.Errorf("stat parent %q: %w", fields[1], err)
	}
	var n [4]int64
	for k, f := range fields[11:15] {
		if n[k], err = strconv.ParseInt(f, 10, 64); err != nil {
			return procStat{}, fmt.Errorf("stat field %q: %w", f, err)
		}
	}
	st.own, st.reaped = n[0]+n[1], n[2]+n[3]
	return st, nil
}

// ticks is a number of clock ticks as a duration.
func ticks(n int64) time.Duration { return time.Duration(n) * time.Second / clockTicks }

// ownCPU is the CPU time this process has used so far. On a box that
// also runs the server, what the generator takes is not the server's to
// use, and a saturated rate is only comparable with the generator's share.
func ownCPU() time.Duration {
	var u syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &u) != nil {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}
