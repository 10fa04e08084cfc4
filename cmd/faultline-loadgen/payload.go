package main

import (
	"fmt"
	"strings"
	"time"
)

// errorKinds are the shapes of error the load generator sends; each becomes
// one issue per project.
var errorKinds = []struct {
	typ, value, module string
	functions          []string
}{
	{"ValueError", "invalid literal for int() with base 10: '%d'", "shop.checkout", []string{"handle_request", "dispatch", "checkout", "parse_quantity"}},
	{"KeyError", "'customer_%d'", "shop.accounts", []string{"handle_request", "dispatch", "load_account", "lookup"}},
	{"TimeoutError", "upstream payment gateway timed out after %dms", "shop.payments", []string{"handle_request", "charge", "call_gateway"}},
	{"ZeroDivisionError", "division by zero in cart %d", "shop.cart", []string{"handle_request", "totals", "average_price"}},
	{"ConnectionError", "could not connect to db-%d:5432", "shop.db", []string{"handle_request", "query", "connect"}},
	{"PermissionError", "user %d may not export reports", "shop.reports", []string{"handle_request", "export", "authorize"}},
}

// envelope builds a 2–5 KB envelope: an exception with context lines,
// breadcrumbs, tags, a user and the usual contexts; each of extraFrames
// framework frames (Django's request handling, as a real trace starts)
// adds about 400 bytes.
func envelope(t *target, n, extraFrames int) []byte {
	k := errorKinds[n%len(errorKinds)]
	id := newID()
	var frames []string
	for i := range extraFrames {
		frames = append(frames, fmt.Sprintf(`{"filename":"django/core/handlers/layer%d.py","abs_path":"/usr/lib/python3/site-packages/django/core/handlers/layer%d.py",
"module":"django.core.handlers.layer%d","function":"inner_%d","lineno":%d,"in_app":false,
"context_line":"            response = get_response(request)","pre_context":["    def inner(request):","        try:"],
"post_context":["        except Exception as exc:","            response = response_for_exception(request, exc)"],"vars":{"request":"<WSGIRequest: GET '/api/v1/items/%d'>"}}`,
			i, i, i, i, 40+i, n))
	}
	for i, fn := range k.functions {
		frames = append(frames, fmt.Sprintf(`{"filename":"%s.py","abs_path":"/srv/app/%s.py","module":"%s","function":"%s","lineno":%d,"in_app":true,
"context_line":"    result = %s(request, item)","pre_context":["def %s(request, item):","    log.debug('start')","    item = normalize(item)"],
"post_context":["    return result","",""],"vars":{"request":"<Request '/api/v1/%s'>","item":"%d"}}`,
			strings.ReplaceAll(k.module, ".", "/"), strings.ReplaceAll(k.module, ".", "/"), k.module, fn, 20+i*7, fn, fn, fn, n))
	}
	var crumbs []string
	for i := range 6 {
		crumbs = append(crumbs, fmt.Sprintf(`{"timestamp":%d,"category":"http","type":"http","level":"info","data":{"method":"GET","url":"https://api.internal/items/%d","status_code":200}}`,
			time.Now().Unix()-int64(10-i), i))
	}
	payload := fmt.Sprintf(`{"event_id":"%s","timestamp":%.3f,"platform":"python","level":"error","logger":"shop",
"server_name":"web-%d","release":"shop@3.%d.0","environment":"production","transaction":"/api/v1/%s",
"tags":{"region":"eu-west-%d","customer_tier":"gold"},"user":{"id":"user-%d","email":"user%d@example.com"},
"contexts":{"os":{"name":"Linux","version":"6.1"},"runtime":{"name":"CPython","version":"3.11.7"}},
"breadcrumbs":{"values":[%s]},
"exception":{"values":[{"type":"%s","value":"%s","module":"%s","mechanism":{"type":"generic","handled":false},"stacktrace":{"frames":[%s]}}]},
"sdk":{"name":"sentry.python","version":"2.19.0"}}`,
		id, float64(time.Now().UnixMilli())/1000, n%4, n%3, k.functions[len(k.functions)-1], n%3, n%500, n%500,
		strings.Join(crumbs, ","), k.typ, fmt.Sprintf(k.value, n), k.module, strings.Join(frames, ","))
	return fmt.Appendf(nil, "{\"event_id\":\"%s\",\"dsn\":\"%s\",\"sent_at\":\"%s\"}\n{\"type\":\"event\",\"length\":%d}\n%s\n",
		id, t.DSN, time.Now().UTC().Format(time.RFC3339Nano), len(payload), payload)
}

// probeEnvelope is an event whose SDK fingerprint gives it an issue of its own.
func probeEnvelope(t *target, probe string) []byte {
	payload := fmt.Sprintf(`{"event_id":"%s","timestamp":%.3f,"platform":"python","level":"info","message":"loadgen probe %s","fingerprint":["loadgen-probe","%s"]}`,
		probe, float64(time.Now().UnixMilli())/1000, probe, probe)
	return fmt.Appendf(nil, "{\"event_id\":\"%s\"}\n{\"type\":\"event\",\"length\":%d}\n%s\n", probe, len(payload), payload)
}

// spanShapes are the operations a transaction's spans repeat: queries with
// literals, calls with ids in the path, cache keys, as a web request makes
// them; the server normalizes each into one summary row.
var spanShapes = []struct{ op, format string }{
	{"db.query", "SELECT o.id, o.total FROM orders o WHERE o.customer_id = %d AND o.status IN ('open', 'paid') LIMIT 50"},
	{"db.query", "UPDATE inventory SET reserved = reserved + %d WHERE sku = 'SKU-%[1]d'"},
	{"http.client", "GET https://payments.internal/v2/customers/%d/cards?expand=billing"},
	{"cache.get", "orders:customer:%d"},
	{"template.render", "checkout/summary.html"},
}

// transactionEnvelope builds a transaction with the given number of spans:
// a tree of nested spans under one request, about 350 bytes of JSON each.
func transactionEnvelope(t *target, n, spans int) []byte {
	id, trace := newID(), newID()
	root := trace[:16]
	start := time.Now().Add(-time.Second)
	at := func(d time.Duration) float64 { return float64(start.Add(d).UnixMicro()) / 1e6 }
	var b strings.Builder
	parent, offset := root, time.Millisecond
	for i := range spans {
		s := spanShapes[i%len(spanShapes)]
		spanID := newID()[:16]
		d := time.Duration(1+i%7) * time.Millisecond
		desc := s.format
		if strings.Contains(desc, "%") {
			desc = fmt.Sprintf(desc, 1000+n%997+i)
		}
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"span_id":"%s","parent_span_id":"%s","trace_id":"%s","op":"%s","description":"%s","start_timestamp":%.6f,"timestamp":%.6f,"status":"ok","data":{"thread.name":"MainThread"}}`,
			spanID, parent, trace, s.op, desc, at(offset), at(offset+d))
		if i%5 == 0 {
			parent = spanID
		}
		offset += d / 2
	}
	payload := fmt.Sprintf(`{"type":"transaction","event_id":"%s","platform":"python","transaction":"/api/v1/checkout/%d","transaction_info":{"source":"route"},
"start_timestamp":%.6f,"timestamp":%.6f,"release":"shop@3.%d.0","environment":"production","server_name":"web-%d",
"user":{"id":"user-%d"},"tags":{"region":"eu-west-%d"},"request":{"method":"POST","url":"https://shop.example.com/api/v1/checkout"},
"contexts":{"trace":{"trace_id":"%s","span_id":"%s","op":"http.server","status":"ok"},"runtime":{"name":"CPython","version":"3.11.7"}},
"spans":[%s],"sdk":{"name":"sentry.python","version":"2.19.0"}}`,
		id, n%8, at(0), at(offset+5*time.Millisecond), n%3, n%4, n%500, n%3, trace, root, b.String())
	payload = strings.ReplaceAll(payload, "\n", "")
	return fmt.Appendf(nil, "{\"event_id\":\"%s\",\"dsn\":\"%s\",\"sent_at\":\"%s\"}\n{\"type\":\"transaction\",\"length\":%d}\n%s\n",
		id, t.DSN, time.Now().UTC().Format(time.RFC3339Nano), len(payload), payload)
}
