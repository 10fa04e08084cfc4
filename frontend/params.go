package frontend

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/frontend/search"
	"github.com/gofiber/fiber/v2"
)

// Query parameters that size work are read here, one parser per kind, so
// that no value a client sends overflows arithmetic, sizes an allocation
// or reaches a store unbounded. A malformed value answers 400 naming the
// parameter; a well-formed value past a bound is cut to it where that
// still answers the question (a period longer than events are kept, a
// page larger than the largest), and refused where it cannot (a cursor
// deep past any real list, an interval that needs too many buckets).
const (
	// DefaultMaxEventLife is how far back periods reach when Options
	// says nothing: FAULTLINE_MAX_EVENT_LIFE_DAYS' default.
	DefaultMaxEventLife = 90 * 24 * time.Hour
	// maxBuckets bounds the points of one chart series.
	maxBuckets = 2000
	// minInterval is the narrowest chart bucket.
	minInterval = time.Minute
	// maxCursorOffset bounds how deep a cursor may page.
	maxCursorOffset = 1_000_000
	// clockSkew is how far past now an end time may reach.
	clockSkew = time.Hour
)

// parsePeriod reads a period such as 30m, 24h, 14d or 2w. It must be
// positive; one longer than maxLife (however long) is cut to maxLife, as
// nothing older is kept.
func parsePeriod(v string, maxLife time.Duration) (time.Duration, error) {
	d, err := search.ParseDuration(v)
	switch {
	case errors.Is(err, search.ErrPeriodTooLong):
		return maxLife, nil
	case err != nil:
		return 0, err
	case d <= 0:
		return 0, fmt.Errorf("%q: a period must be longer than zero", v)
	}
	return min(d, maxLife), nil
}

// parseInterval reads the width of a chart's buckets over period: at
// least a minute, and wide enough that period has at most maxBuckets
// buckets. One longer than the period makes a single bucket.
func parseInterval(v string, period time.Duration) (time.Duration, error) {
	step, err := search.ParseDuration(v)
	switch {
	case errors.Is(err, search.ErrPeriodTooLong):
		return max(period, minInterval), nil
	case err != nil:
		return 0, fmt.Errorf("interval: %v", err)
	case step < minInterval:
		return 0, fmt.Errorf("interval: %q is shorter than the shortest interval, 1m", v)
	case period/step > maxBuckets:
		return 0, fmt.Errorf("interval too small for statsPeriod: at most %d buckets", maxBuckets)
	}
	return step, nil
}

// defaultInterval is an hour, or wider (whole hours) when period would
// otherwise have more than maxBuckets buckets.
func defaultInterval(period time.Duration) time.Duration {
	step := time.Hour
	if period/step > maxBuckets {
		step = (period/maxBuckets/time.Hour + 1) * time.Hour
	}
	return step
}

// parseTime reads an RFC 3339 time, cut to the window from maxLife before
// now to clockSkew after it.
func parseTime(v string, now time.Time, maxLife time.Duration) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return t, errors.New("use an RFC 3339 time such as 2026-11-01T00:00:00Z")
	}
	if earliest := now.Add(-maxLife); t.Before(earliest) {
		return earliest, nil
	}
	if latest := now.Add(clockSkew); t.After(latest) {
		return latest, nil
	}
	return t, nil
}

// parseCursor reads Sentry's cursor "<value>:<offset>:<is_prev>", as
// setLink writes it, and returns its offset: at most maxCursorOffset.
func parseCursor(v string) (int, error) {
	parts := strings.Split(v, ":")
	if len(parts) != 3 {
		return 0, fmt.Errorf("%q is not a cursor this API gave out (value:offset:is_prev)", v)
	}
	if _, err := strconv.ParseInt(parts[0], 10, 64); err != nil {
		return 0, fmt.Errorf("%q is not a cursor this API gave out: its value is not a number", v)
	}
	if parts[2] != "0" && parts[2] != "1" {
		return 0, fmt.Errorf("%q is not a cursor this API gave out: is_prev is 0 or 1", v)
	}
	off, err := strconv.ParseUint(parts[1], 10, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, fmt.Errorf("%q is not a cursor this API gave out: its offset is not a number", v)
	}
	if err != nil || off > maxCursorOffset {
		return 0, fmt.Errorf("%q pages past offset %d, the deepest a list goes; narrow the query instead", v, maxCursorOffset)
	}
	return int(off), nil
}

// parseCount reads a whole number from lo up; one above hi (however far)
// is cut to hi.
func parseCount(v string, lo, hi int) (int, error) {
	if v == "" || strings.TrimLeft(v, "0123456789") != "" {
		return 0, fmt.Errorf("%q is not a whole number from %d to %d", v, lo, hi)
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil || n > uint64(hi) {
		return hi, nil // only a range error is possible on digits
	}
	if int(n) < lo {
		return 0, fmt.Errorf("%q is not a whole number from %d to %d", v, lo, hi)
	}
	return int(n), nil
}

// badParam is the 400 for a query parameter that does not parse.
func badParam(name string, err error) error {
	msg := err.Error()
	if !strings.HasPrefix(msg, name) {
		msg = name + ": " + msg
	}
	return fiber.NewError(fiber.StatusBadRequest, msg)
}

// maxEventLife is how far back this API's periods reach.
func (a *API) maxEventLife() time.Duration {
	if a.opts.MaxEventLife <= 0 {
		return DefaultMaxEventLife
	}
	return a.opts.MaxEventLife
}

// periodParam reads statsPeriod (a period such as 24h or 14d), or def,
// cut to how long events are kept.
func (a *API) periodParam(c *fiber.Ctx, def string) (time.Duration, error) {
	d, err := parsePeriod(c.Query("statsPeriod", def), a.maxEventLife())
	if err != nil {
		return 0, badParam("statsPeriod", err)
	}
	return d, nil
}

// stepParam reads interval for a period: at least a minute, at most
// maxBuckets buckets; by default an hour, or wider for long periods.
func stepParam(c *fiber.Ctx, period time.Duration) (time.Duration, error) {
	v := c.Query("interval")
	if v == "" {
		return defaultInterval(period), nil
	}
	step, err := parseInterval(v, period)
	if err != nil {
		return 0, badParam("interval", err)
	}
	return step, nil
}

// timeParam reads an RFC 3339 time parameter (start, end), cut to how long
// events are kept; ok is false when the request does not name it.
func (a *API) timeParam(c *fiber.Ctx, name string, now time.Time) (t time.Time, ok bool, err error) {
	v := c.Query(name)
	if v == "" {
		return t, false, nil
	}
	if t, err = parseTime(v, now, a.maxEventLife()); err != nil {
		return t, false, badParam(name, err)
	}
	return t, true, nil
}

// countParam reads a whole-number parameter from lo to hi (above hi is cut
// to hi), or def when the request does not name it.
func countParam(c *fiber.Ctx, name string, def, lo, hi int) (int, error) {
	v := c.Query(name)
	if v == "" {
		return def, nil
	}
	n, err := parseCount(v, lo, hi)
	if err != nil {
		return 0, badParam(name, err)
	}
	return n, nil
}
