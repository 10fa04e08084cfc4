package ingest

import (
	"encoding/json"
	"io"
	"net/http/httptest"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// The answer to an accepted request is what json.Marshal makes of
// {"id": id}, written directly for the ids ingest makes and through the
// encoder for anything else.
func TestAcceptedAnswersAsJSON(t *testing.T) {
	app := fiber.New()
	app.Get("/", func(c *fiber.Ctx) error { return acceptedAs(c, c.Query("id")) })
	for _, id := range []string{"0123456789abcdef0123456789abcdef", "", `a"b\c`, "<é>", "9f8e-7d6c"} {
		want, _ := json.Marshal(map[string]string{"id": id})
		req := httptest.NewRequest("GET", "/?id="+urlQuery(id), nil)
		resp, err := app.Test(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		if string(got) != string(want) || resp.Header.Get("Content-Type") != fiber.MIMEApplicationJSON {
			t.Errorf("id %q: answered %s (%s), want %s (%s)", id, got, resp.Header.Get("Content-Type"), want, fiber.MIMEApplicationJSON)
		}
	}
}

func urlQuery(s string) string {
	const hex = "0123456789ABCDEF"
	out := make([]byte, 0, 3*len(s))
	for i := 0; i < len(s); i++ {
		out = append(out, '%', hex[s[i]>>4], hex[s[i]&15])
	}
	return string(out)
}
