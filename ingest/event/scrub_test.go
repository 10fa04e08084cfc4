package event

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestScrub(t *testing.T) {
	payload := `{
		"message": "charged card 4111 1111 1111 1111 for order 12345678901234",
		"request": {
			"url": "https://shop.example.com/pay",
			"query_string": "page=2&access_token=abc123",
			"headers": [["Authorization", "Bearer xyz"], ["Accept", "text/html"], ["Cookie", "sid=1"]],
			"cookies": {"sid": "1"},
			"data": {"username": "jane", "password": "hunter2", "card": "5500-0000-0000-0004"}
		},
		"extra": {"api_key": "k-123", "nested": {"client_secret": "s", "count": 3}},
		"contexts": {"app": {"X-Api-Key": "k", "version": "1.2"}},
		"tags": {"session_id": "abc", "region": "eu"},
		"breadcrumbs": [{"message": "login", "data": {"token": "t", "user": "jane"}}],
		"exception": [{"type": "E", "value": "bad card 4012888888881881",
			"stacktrace": {"frames": [{"function": "pay", "vars": {"passwd": "p", "amount": 10}}]}}]
	}`
	e, err := Parse([]byte(payload), Meta{Received: received})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(e)
	stored := string(b)
	for _, secret := range []string{"hunter2", "abc123", "Bearer xyz", "sid=1", "k-123", `"client_secret":"s"`,
		"4111 1111 1111 1111", "5500-0000-0000-0004", "4012888888881881", `"passwd":"p"`, `"token":"t"`, `"X-Api-Key":"k"`} {
		if strings.Contains(stored, secret) {
			t.Errorf("stored event still holds %q", secret)
		}
	}
	for _, kept := range []string{"jane", "text/html", "page=2", `"count":3`, `"version":"1.2"`, "12345678901234", `"amount":10`, "eu"} {
		if !strings.Contains(stored, kept) {
			t.Errorf("scrubbing removed %q, which is not sensitive", kept)
		}
	}
	if e.TagValue("session_id") != Filtered {
		t.Errorf("tag session_id = %q", e.TagValue("session_id"))
	}

	kept, _ := Parse([]byte(payload), Meta{Received: received, KeepSensitiveData: true})
	if b, _ := json.Marshal(kept); !strings.Contains(string(b), "hunter2") {
		t.Error("KeepSensitiveData did not keep the data")
	}
}

func TestLuhn(t *testing.T) {
	for s, want := range map[string]bool{
		"4111111111111111": true, "4111 1111 1111 1111": true, "4111111111111112": false,
		"1234567890123": false, "0000000000000": true,
	} {
		if luhn(s) != want {
			t.Errorf("luhn(%q) = %v", s, !want)
		}
	}
}
