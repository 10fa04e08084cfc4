package event

import (
	"bytes"
	"encoding/json"
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

// headerWords widen sensitiveKeys for header names: custom schemes such as
// X-Custom-Auth or X-Client-Key carry credentials under names that would be
// too broad for any key ("author", "cache_key").
var headerWords = []string{"auth", "key"}

// paramNames are query parameters that carry credentials under names too
// short or too common to match as substrings.
var paramNames = []string{"auth", "key", "sig", "signature"}

// foldKey lowercases key and drops '-' and '_' into buf.
func foldKey[T string | []byte](buf []byte, key T) []byte {
	for i := 0; i < len(key); i++ {
		if c, kept := foldByte(key[i]); kept {
			buf = append(buf, c)
		}
	}
	return buf
}

func containsAny(folded []byte, subs []string) bool {
	for _, s := range subs {
		if bytes.Contains(folded, []byte(s)) {
			return true
		}
	}
	return false
}

func sensitive(key string) bool {
	var buf [64]byte
	return containsAny(foldKey(buf[:0], key), sensitiveKeys)
}

// sensitiveHeader reports a header name holding auth, key, token, secret,
// session, cookie or password.
func sensitiveHeader(name string) bool {
	var buf [64]byte
	k := foldKey(buf[:0], name)
	return containsAny(k, sensitiveKeys) || containsAny(k, headerWords)
}

// sensitiveParam reports a query parameter name that carries credentials.
func sensitiveParam(name string) bool {
	var buf [64]byte
	k := foldKey(buf[:0], name)
	if containsAny(k, sensitiveKeys) || bytes.HasSuffix(k, []byte("signature")) {
		return true
	}
	for _, p := range paramNames {
		if string(k) == p {
			return true
		}
	}
	return false
}

// Patterns for credentials written into text. Each runs only on strings
// that pass its cheap pre-check in scrubString.
var (
	// cardNumber finds 13 to 19 digits, optionally grouped by spaces or
	// dashes; a Luhn check tells card numbers from other long numbers.
	cardNumber = regexp.MustCompile(`\b\d(?:[ -]?\d){12,18}\b`)

	// inlinePassword finds passwords written into values, as in connection
	// strings ("Server=db;Password=x").
	inlinePassword = regexp.MustCompile(`(?i)\b(password|passwd|pwd)=[^;&\s"']+`)

	// urlPassword finds the password of a URL's user information
	// (postgres://admin:pw@host/db); the user and host stay. The password
	// runs to the last '@' before the path, so one holding '@' goes whole.
	urlPassword = regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.-]*://[^\s:/?#@"'<>]*):[^\s/?#"'<>]+@`)

	// authHeader finds an Authorization header written out, with or
	// without quotes (a logged header map): the scheme stays.
	authHeader = regexp.MustCompile(`(?i)\b(?:proxy-)?authorization["']?\s*[:=]\s*["']?((?:bearer|basic|digest|negotiate|ntlm|token|apikey)\s+)?([^\s"',;{}\[\]]+)`)

	// schemeToken finds "Bearer <token>" or "Basic <credentials>" without
	// the header name; looksLikeToken tells them from prose.
	schemeToken = regexp.MustCompile(`(?i)\b(?:bearer|basic)\s+([A-Za-z0-9._~+/-]+=*)`)

	// awsSecret finds the value next to an AWS secret access key's name,
	// as in credentials files, environment dumps and STS answers.
	awsSecret = regexp.MustCompile(`(?i)secret[_-]?access[_-]?key["']?\s*[:=]\s*["']?([^\s"',;&}]+)`)

	// awsKeyID finds AWS access key ids (long-term AKIA, temporary ASIA).
	awsKeyID = regexp.MustCompile(`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`)

	// privateKey finds a PEM private key's body; the armor lines stay. A
	// block cut short by trimming is filtered to the end of the text.
	privateKey = regexp.MustCompile(`-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----((?s:.*?))(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)`)
)

// scrubString filters credentials and card numbers in free text: messages,
// exception values, log lines and any string value of the event.
func scrubString(s string) string {
	if strings.Contains(s, "PRIVATE KEY-----") {
		s = filterGroup(privateKey, s, nil)
	}
	if hasUserInfo(s) {
		s = urlPassword.ReplaceAllString(s, "${1}:"+Filtered+"@")
	}
	if hasFold(s, "authorization") {
		s = filterGroup(authHeader, s, func(s string, m []int) bool {
			// Without a scheme, "authorization: denied" is prose.
			return m[2] >= 0 || looksLikeToken(s[m[4]:m[5]])
		})
	}
	if hasFold(s, "bearer") || hasFold(s, "basic") {
		s = filterGroup(schemeToken, s, func(s string, m []int) bool { return looksLikeToken(s[m[2]:m[3]]) })
	}
	if strings.IndexByte(s, '=') >= 0 {
		s = scrubParams(s)
		if hasFold(s, "pass") || hasFold(s, "pwd") {
			s = inlinePassword.ReplaceAllString(s, "$1="+Filtered)
		}
	}
	if hasFold(s, "access") {
		s = filterGroup(awsSecret, s, nil)
	}
	if strings.Contains(s, "AKIA") || strings.Contains(s, "ASIA") {
		s = awsKeyID.ReplaceAllLiteralString(s, Filtered)
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

// filterGroup replaces the last submatch of each match of re with
// Filtered, for the matches filter accepts (all when filter is nil); m
// holds a match's submatch indexes as FindAllStringSubmatchIndex gives them.
func filterGroup(re *regexp.Regexp, s string, filter func(s string, m []int) bool) string {
	var b strings.Builder
	last := 0
	for _, m := range re.FindAllStringSubmatchIndex(s, -1) {
		start, end := m[len(m)-2], m[len(m)-1]
		if start == end || filter != nil && !filter(s, m) {
			continue
		}
		b.WriteString(s[last:start])
		b.WriteString(Filtered)
		last = end
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// scrubParams filters the values of credential parameters (see
// sensitiveParam) in query strings: name=value pairs at the start of s or
// after '?', '&' or ';', as in URLs and query strings given as text.
func scrubParams(s string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); i++ {
		name := i
		for i < len(s) && !endsName(s[i]) {
			i++
		}
		if i > name && i < len(s) && s[i] == '=' {
			eq := i
			for i++; i < len(s) && !endsValue(s[i]); i++ {
			}
			if i > eq+1 && sensitiveParam(s[name:eq]) {
				b.WriteString(s[last : eq+1])
				b.WriteString(Filtered)
				last = i
			}
		}
		for i < len(s) && s[i] != '?' && s[i] != '&' && s[i] != ';' {
			i++
		}
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func endsValue(c byte) bool {
	switch c {
	case '&', ';', '#', ' ', '\t', '\n', '\r', '"', '\'', '<', '>':
		return true
	}
	return false
}

func endsName(c byte) bool { return c == '=' || c == '?' || endsValue(c) }

// hasUserInfo reports a URL with user information: "://" followed by '@'
// before the path.
func hasUserInfo[T string | []byte](s T) bool {
	for i := 0; i+3 <= len(s); i++ {
		if s[i] == ':' && s[i+1] == '/' && s[i+2] == '/' && userInfoFollows(s[i+3:]) {
			return true
		}
	}
	return false
}

// userInfoFollows reports an '@' in s before the end of a URL's authority.
// A search from each "://" ends at the next one's '/', so all of them
// together read s about once.
func userInfoFollows[T string | []byte](s T) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '@':
			return true
		case '/', '"', ' ', '\n':
			return false
		}
	}
	return false
}

// looksLikeToken tells a credential from a word: 8 characters or more with
// a digit, a symbol or a capital letter past the first.
func looksLikeToken(t string) bool {
	if len(t) < 8 {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if c >= '0' && c <= '9' || i > 0 && c >= 'A' && c <= 'Z' || strings.IndexByte("._~+/-=", c) >= 0 {
			return true
		}
	}
	return false
}

// hasFold reports whether s holds sub, ASCII letters compared without case;
// sub is lowercase letters.
func hasFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		j := 0
		for j < len(sub) && s[i+j]|0x20 == sub[j] {
			j++
		}
		if j == len(sub) {
			return true
		}
	}
	return false
}

// mayHoldCard is a cheap pre-check for cardNumber: 13 or more digits in a
// row, each apart from the next by at most one space or dash. In raw JSON
// an escape may stand for a digit or a separator (\u0034, \u0020), and
// counts as one (FuzzMayHoldCard holds it to the expression). Counting
// every digit in the text, as it first did, flagged nearly every context
// (versions, sizes, trace ids) for a full decode and re-encode.
func mayHoldCard[T string | []byte](s T) bool {
	var run cardRun
	for i := 0; i < len(s); i++ {
		// Outside a run only a digit (or an escape of one) matters.
		if run.reads(s[i]) && cardStep(&run, s, i) {
			return true
		}
	}
	return false
}

// cardRun is where mayHoldCard's reading stands: the digits in the
// current run, whether the last byte was a separator inside it, and where
// reading goes on (past an escape taken whole).
type cardRun struct {
	digits int
	sep    bool
	from   int
}

// reads reports whether c, at the reading's position, needs cardStep; it
// is the cheap test that most bytes stop at.
func (r *cardRun) reads(c byte) bool { return r.digits > 0 || mayStartCard[c] }

// cardStep reads s[i] into r and reports a run of 13 digits.
func cardStep[T string | []byte](r *cardRun, s T, i int) bool {
	if i < r.from {
		return false
	}
	c := s[i]
	if c == '\\' && i+5 < len(s) && s[i+1] == 'u' && s[i+2] == '0' && s[i+3] == '0' {
		if v := hexPair(s[i+4], s[i+5]); v >= 0 {
			c, r.from = byte(v), i+6
		}
	}
	switch {
	case isDigit(c):
		if r.digits++; r.digits >= 13 {
			return true
		}
		r.sep = false
	case (c == ' ' || c == '-') && r.digits > 0 && !r.sep:
		r.sep = true
	default:
		r.digits, r.sep = 0, false
	}
	return false
}

// mayStartCard are the bytes that may start a run of mayHoldCard's: a
// digit, or the backslash of an escape that may spell one.
var mayStartCard = byteSet("0123456789\\")

// hexPair is the byte two hex digits spell, or -1.
func hexPair(hi, lo byte) int {
	if !isHex(hi) || !isHex(lo) {
		return -1
	}
	return hexValue(hi)<<4 | hexValue(lo)
}

// rawTriggers are what scrubString and the header and query rules look
// for, in raw JSON folded as foldKey folds keys.
var rawTriggers = []string{"querystring", "headers", "auth", "bearer", "basic", "private key", "key=", "sig=", "signature", "pwd="}

// mayHoldSensitive is a cheap pre-check of raw JSON: a sensitive key, a
// credential in text or a card number could be in it. Most contexts and
// frame variables hold none, and skipping their decode and re-encode halves
// the parse cost. It reads raw once, doing at each byte what mayHoldCard,
// hasUserInfo, the AWS key id search and rawSensitive.in would do in
// passes of their own (TestMayHoldSensitiveAsSeparatePasses). Six passes
// over each of an event's thirty-odd small values took a fifth longer
// (BenchmarkMayHoldSensitive: 3.1 ns a byte, now 2.4).
func mayHoldSensitive(raw []byte) bool {
	words := foldReader{prev: -1} // rawSensitive's reading
	var card cardRun              // mayHoldCard's
	escapedURL := false           // a `:\/\/`, which holds user information if an '@' is anywhere
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if card.reads(c) && cardStep(&card, raw, i) {
			return true
		}
		switch c {
		case ':':
			if i+3 <= len(raw) && raw[i+1] == '/' && raw[i+2] == '/' && userInfoFollows(raw[i+3:]) {
				return true
			}
			if !escapedURL && i+5 <= len(raw) && string(raw[i:i+5]) == `:\/\/` {
				escapedURL = true
			}
		case 'A':
			if i+4 <= len(raw) && (string(raw[i:i+4]) == "AKIA" || string(raw[i:i+4]) == "ASIA") {
				return true
			}
		}
		if from, maybe := rawSensitive.step(raw, i, &words); maybe && rawSensitive.startsAt(raw[from:]) {
			return true
		}
	}
	return escapedURL && bytes.IndexByte(raw, '@') >= 0
}

// rawSensitive finds sensitiveKeys and rawTriggers in folded raw JSON.
var rawSensitive = newSubstrings(sensitiveKeys, rawTriggers)

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
// contexts, breadcrumb data and frame variables; and, in any string of them
// and in the message, transaction, exception values, breadcrumb messages and
// tags, passwords in URLs, credentials in query parameters, Authorization
// values, AWS keys, PEM private keys and credit card numbers.
func Scrub(e *Event) {
	e.Request = scrubRaw(e.Request)
	e.Extra = scrubRaw(e.Extra)
	e.Contexts = scrubRaw(e.Contexts)
	e.Message = scrubString(e.Message)
	e.Transaction = scrubString(e.Transaction)
	for i := range e.Breadcrumbs {
		e.Breadcrumbs[i].Data = scrubRaw(e.Breadcrumbs[i].Data)
		e.Breadcrumbs[i].Message = scrubString(e.Breadcrumbs[i].Message)
	}
	for i := range e.Exceptions {
		ex := &e.Exceptions[i]
		ex.Value = scrubString(ex.Value)
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
			e.Tags[i].Value = scrubString(t.Value)
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
			switch {
			case sensitive(k):
				v[k] = Filtered
			case k == "query_string":
				v[k] = scrubFields(item, sensitiveParam)
			case k == "headers":
				v[k] = scrubFields(item, sensitiveHeader)
			default:
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
		return scrubString(v)
	}
	return v
}

// scrubFields scrubs headers or a query string: an object by name, a list
// of [name, value] pairs, or text (where scrubString's query rule applies).
// Values whose name isSensitive reports are filtered.
func scrubFields(v any, isSensitive func(string) bool) any {
	switch v := v.(type) {
	case map[string]any:
		for k, item := range v {
			if isSensitive(k) {
				v[k] = Filtered
			} else {
				v[k] = scrubValue(item)
			}
		}
		return v
	case []any:
		for i, item := range v {
			if p, ok := item.([]any); ok && len(p) == 2 {
				if k, ok := p[0].(string); ok && isSensitive(k) {
					p[1] = Filtered
					continue
				}
			}
			v[i] = scrubValue(item)
		}
		return v
	}
	return scrubValue(v)
}
