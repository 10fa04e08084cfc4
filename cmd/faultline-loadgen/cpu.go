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

// procCPU reads utime and stime, the 14th and 15th fields, from the text
// of /proc/<pid>/stat. The second field, the command in parentheses, may
// hold spaces, so fields are counted after its closing parenthesis.
func procCPU(stat string) (time.Duration, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("server CPU: /proc stat has no command field")
	}
	fields := strings.Fields(stat[i+1:]) // from the 3rd field on
	if len(fields) < 13 {
		return 0, errors.New("server CPU: /proc stat is too short")
	}
	var ticks int64
	for _, f := range fields[11:13] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("server CPU: /proc stat field %q: %w", f, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

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
