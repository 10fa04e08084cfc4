package ingest

import "testing"

func TestOriginAllowed(t *testing.T) {
	allowed := []string{"https://shop.example.com", "admin.example.org", "*.example.net"}
	cases := map[string]bool{
		"https://shop.example.com":      true,
		"https://shop.example.com:443":  false, // an exact origin is exact
		"http://shop.example.com":       false,
		"https://admin.example.org":     true,
		"http://admin.example.org:8080": true,
		"https://example.net":           true,
		"https://a.b.example.net":       true,
		"https://badexample.net":        false,
		"https://evil.test":             false,
		"null":                          false,
	}
	for origin, want := range cases {
		if got := originAllowed(origin, allowed); got != want {
			t.Errorf("originAllowed(%q) = %v, want %v", origin, got, want)
		}
	}
	if !originAllowed("https://anything.test", nil) || !originAllowed("https://x.test", []string{"*"}) {
		t.Error("an empty list or * must allow every origin")
	}
}
