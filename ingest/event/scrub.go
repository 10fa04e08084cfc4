package event

import (
	"bytes"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
)

// Filtered replaces every value the scrubber removes.
const Filtered = "[Filtered]"

// sensitiveKeys are matched case-insensitively as substrings of a key, with
// '-' and '_' ignored: "X-Api-Key", "api_key" and "apikey" are one key.
var sensitiveKeys = []string{
	"password", "passwd", "secret", "apikey", "token", "authorization", "cookie",
	"session", "csrf", "xsrf", "credentials", "privatekey", "creditcard", "cardnumber",
}

func sensitive(key string) bool {
	k := strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(key))
	for _, s := range sensitiveKeys {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

// cardNumber finds 13 to 19 digits, optionally grouped by spaces or dashes;
// a Luhn check tells card numbers from other long numbers.
var cardNumber = regexp.MustCompile(`\b\d(?:[ -]?\d){12,18}\b`)

// inlinePassword finds passwords written into values, as in connection
// strings ("Server=db;Password=x") and URLs' query strings.
var inlinePassword = regexp.MustCompile(`(?i)\b(password|passwd|pwd)=[^;&\s"']+`)

func scrubCards(s string) string {
	if strings.Contains(s, "=") {
		s = inlinePassword.ReplaceAllString(s, "$1="+Filtered)
	}
	if !mayHoldCard(s) {
		return s
	}
	return cardNumber.ReplaceAllStringFunc(s, func(m string) string {
		if luhn(m) {
			return Filtered
		}
		return m
	})
}

// mayHoldCard is a cheap pre-check: 13 or more digits in the text.
func mayHoldCard[T string | []byte](s T) bool {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			if n++; n >= 13 {
				return true
			}
		}
	}
	return false
}

// mayHoldSensitive is a cheap pre-check of raw JSON: a sensitive key or a
// card number could be in it. Most contexts and frame variables hold
// neither, and skipping their decode and re-encode halves the parse cost.
func mayHoldSensitive(raw []byte) bool {
	if mayHoldCard(raw) {
		return true
	}
	folded := make([]byte, 0, len(raw))
	for _, c := range raw {
		switch {
		case c == '-' || c == '_':
		case c >= 'A' && c <= 'Z':
			folded = append(folded, c+'a'-'A')
		default:
			folded = append(folded, c)
		}
	}
	for _, k := range sensitiveKeys {
		if bytes.Contains(folded, []byte(k)) {
			return true
		}
	}
	return bytes.Contains(folded, []byte("querystring"))
}

func luhn(s string) bool {
	sum, n := 0, 0
	for i := len(s) - 1; i >= 0; i-- {
		c := s[i]
		if c < '0' || c > '9' {
			continue
		}
		d := int(c - '0')
		if n%2 == 1 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
		n++
	}
	return n >= 13 && sum%10 == 0
}

// Scrub removes sensitive data before the event is stored: values of
// sensitive keys in the request (headers, cookies, query string, body), extra,
// contexts, breadcrumb data and frame variables, and credit card numbers in
// any of them and in messages and exception values.
func Scrub(e *Event) {
	e.Request = scrubRaw(e.Request)
	e.Extra = scrubRaw(e.Extra)
	e.Contexts = scrubRaw(e.Contexts)
	e.Message = scrubCards(e.Message)
	for i := range e.Breadcrumbs {
		e.Breadcrumbs[i].Data = scrubRaw(e.Breadcrumbs[i].Data)
		e.Breadcrumbs[i].Message = scrubCards(e.Breadcrumbs[i].Message)
	}
	for i := range e.Exceptions {
		ex := &e.Exceptions[i]
		ex.Value = scrubCards(ex.Value)
		if ex.Stacktrace != nil {
			for j := range ex.Stacktrace.Frames {
				ex.Stacktrace.Frames[j].Vars = scrubRaw(ex.Stacktrace.Frames[j].Vars)
			}
		}
	}
	for i, t := range e.Tags {
		if sensitive(t.Key) {
			e.Tags[i].Value = Filtered
		} else {
			e.Tags[i].Value = scrubCards(t.Value)
		}
	}
}

func scrubRaw(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 || !mayHoldSensitive(raw) {
		return raw
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return raw
	}
	out, err := json.Marshal(scrubValue(v))
	if err != nil {
		return raw
	}
	return out
}

func scrubValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, item := range v {
			if sensitive(k) {
				v[k] = Filtered
			} else if k == "query_string" {
				v[k] = scrubQuery(item)
			} else {
				v[k] = scrubValue(item)
			}
		}
		return v
	case []any:
		// Headers and query strings also come as [key, value] pairs.
		if len(v) == 2 {
			if k, ok := v[0].(string); ok && sensitive(k) {
				v[1] = Filtered
				return v
			}
		}
		for i := range v {
			v[i] = scrubValue(v[i])
		}
		return v
	case string:
		return scrubCards(v)
	}
	return v
}

// scrubQuery filters sensitive parameters of a query string given as text.
func scrubQuery(v any) any {
	s, ok := v.(string)
	if !ok {
		return scrubValue(v)
	}
	values, err := url.ParseQuery(s)
	if err != nil {
		return scrubCards(s)
	}
	changed := false
	for k := range values {
		if sensitive(k) {
			values[k] = []string{Filtered}
			changed = true
		}
	}
	if !changed {
		return scrubCards(s)
	}
	return values.Encode()
}
