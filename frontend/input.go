package frontend

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
)

// checkInput answers 400 for /api/0/ requests carrying what no parameter
// or field of this API takes and PostgreSQL refuses in text: a NUL byte in
// a query parameter (naming it), a query parameter that is not UTF-8, and
// a NUL byte in the body, raw, as JSON's \u0000 or in a form field.
func checkInput(c *fiber.Ctx) error {
	var bad error
	c.Request().URI().QueryArgs().VisitAll(func(k, v []byte) {
		if bad == nil {
			bad = checkArg("query parameter", k, v)
		}
	})
	if bad == nil && bytes.Contains(bytes.ToLower(c.Request().URI().QueryString()), []byte("%00")) {
		bad = fiber.NewError(fiber.StatusBadRequest, "the query string contains a NUL byte")
	}
	if bad != nil {
		return bad
	}
	// Uploads carry files (source map chunks, release files) whose bytes are
	// anything; their handlers check their text fields.
	upload := bytes.HasPrefix(c.Request().Header.ContentType(), []byte(fiber.MIMEMultipartForm)) && isUploadPath(c.Path())
	if body := c.BodyRaw(); !upload && (bytes.IndexByte(body, 0) >= 0 || hasNULEscape(body)) {
		return fiber.NewError(fiber.StatusBadRequest, `the request body contains a NUL byte (\u0000), which no field takes`)
	}
	if bytes.HasPrefix(c.Request().Header.ContentType(), []byte(fiber.MIMEApplicationForm)) {
		c.Request().PostArgs().VisitAll(func(k, v []byte) {
			if bad == nil {
				bad = checkArg("form field", k, v)
			}
		})
		if bad != nil {
			return bad
		}
	}
	return c.Next()
}

// isUploadPath reports whether path is one of the routes taking files:
// chunk uploads and a release's files.
func isUploadPath(path string) bool {
	return strings.HasSuffix(path, "/chunk-upload/") || (strings.Contains(path, "/releases/") && strings.HasSuffix(path, "/files/"))
}

// checkArg is the 400 for a query parameter or form field holding a NUL
// byte or bytes that are not UTF-8, or nil.
func checkArg(what string, k, v []byte) error {
	switch {
	case bytes.IndexByte(k, 0) >= 0 || bytes.IndexByte(v, 0) >= 0:
		return fiber.NewError(fiber.StatusBadRequest, what+" "+paramName(k)+" contains a NUL byte")
	case !utf8.Valid(k) || !utf8.Valid(v):
		return fiber.NewError(fiber.StatusBadRequest, what+" "+paramName(k)+" is not valid UTF-8")
	}
	return nil
}

// hasNULEscape reports whether JSON text holds the escape \u0000: a
// backslash that is not itself escaped, then u0000.
func hasNULEscape(b []byte) bool {
	for i := 0; ; {
		j := bytes.Index(b[i:], []byte(`u0000`))
		if j < 0 {
			return false
		}
		at := i + j
		slashes := 0
		for k := at - 1; k >= 0 && b[k] == '\\'; k-- {
			slashes++
		}
		if slashes%2 == 1 {
			return true
		}
		i = at + 1
	}
}

// paramName is a parameter's name as an answer may carry it: quoted when
// it holds anything but printable ASCII.
func paramName(k []byte) string {
	for _, b := range k {
		if b < 0x20 || b > 0x7e {
			return strconv.QuoteToASCII(string(k))
		}
	}
	return string(k)
}
