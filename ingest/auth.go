package ingest

import (
	"net/url"
	"strings"
)

// authKey extracts sentry_key from an X-Sentry-Auth (or Authorization)
// header value such as "Sentry sentry_version=7, sentry_key=abc, ...".
func authKey(header string) string {
	header = strings.TrimSpace(header)
	if len(header) >= 7 && strings.EqualFold(header[:7], "sentry ") {
		header = header[7:]
	}
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok && strings.TrimSpace(k) == "sentry_key" {
			return strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
	return ""
}

// dsnKey extracts the public key and project id from a DSN such as
// https://KEY@host/PATH/PROJECT.
func dsnKey(dsn string) (key, project string) {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return "", ""
	}
	path := strings.TrimSuffix(u.Path, "/")
	return u.User.Username(), path[strings.LastIndexByte(path, '/')+1:]
}
