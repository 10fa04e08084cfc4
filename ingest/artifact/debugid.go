package artifact

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
)

// NormalizeDebugID returns a debug id (a UUID, with or without hyphens, any
// case) as a lowercase hyphenated UUID, and whether it was one.
func NormalizeDebugID(s string) (string, bool) {
	plain := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), "-", ""))
	if len(plain) != 32 {
		return "", false
	}
	if _, err := hex.DecodeString(plain); err != nil {
		return "", false
	}
	return plain[:8] + "-" + plain[8:12] + "-" + plain[12:16] + "-" + plain[16:20] + "-" + plain[20:], true
}

// sourceMapDebugID checks that content is a JSON object and returns the
// debug id it carries ("debugId", or the older "debug_id"), if any.
func sourceMapDebugID(content []byte) (string, error) {
	var m struct {
		DebugID    string `json:"debugId"`
		OldDebugID string `json:"debug_id"`
	}
	if len(bytes.TrimSpace(content)) == 0 || bytes.TrimSpace(content)[0] != '{' {
		return "", errors.New("it is not a JSON object")
	}
	if err := json.Unmarshal(content, &m); err != nil {
		return "", err
	}
	if id, ok := NormalizeDebugID(m.DebugID); ok {
		return id, nil
	}
	id, _ := NormalizeDebugID(m.OldDebugID)
	return id, nil
}

// scriptDebugID finds a "//# debugId=<uuid>" comment in a script's last
// lines, where bundlers put it.
func scriptDebugID(content []byte) string {
	const tail = 4096
	if len(content) > tail {
		content = content[len(content)-tail:]
	}
	i := bytes.LastIndex(content, []byte("//# debugId="))
	if i < 0 {
		return ""
	}
	rest := content[i+len("//# debugId="):]
	if end := bytes.IndexAny(rest, "\r\n \t"); end >= 0 {
		rest = rest[:end]
	}
	id, _ := NormalizeDebugID(string(rest))
	return id
}
