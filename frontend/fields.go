package frontend

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/gofiber/fiber/v2"
)

// bodyFields is a JSON object body, field by field, so that each field is
// decoded on its own and a value of the wrong type is answered with a 400
// naming that field. Fields no handler reads are ignored, as Sentry does.
type bodyFields map[string]json.RawMessage

// readBodyFields decodes the request body as a JSON object; an empty body
// is an object without fields.
func readBodyFields(c *fiber.Ctx) (bodyFields, error) {
	raw := bytes.TrimSpace(c.BodyRaw())
	if len(raw) == 0 {
		return bodyFields{}, nil
	}
	var f bodyFields
	if err := json.Unmarshal(raw, &f); err != nil || f == nil {
		return nil, fiber.NewError(fiber.StatusBadRequest, "send a JSON object with the fields to change")
	}
	return f, nil
}

// nameAndSlug reads the optional name and slug of a rename.
func nameAndSlug(f bodyFields) (name, slug *string, err error) {
	if name, err = optional[string](f, "name", "a string"); err != nil {
		return nil, nil, err
	}
	slug, err = optional[string](f, "slug", "a string")
	return name, slug, err
}

// isNull reports whether the field is present and JSON null.
func (f bodyFields) isNull(name string) bool {
	v, ok := f[name]
	return ok && bytes.Equal(bytes.TrimSpace(v), []byte("null"))
}

// optional decodes the field into a new T; nil when the field is absent or
// null, a 400 naming the field when its value is not a want.
func optional[T any](f bodyFields, name, want string) (*T, error) {
	v, ok := f[name]
	if !ok || f.isNull(name) {
		return nil, nil
	}
	var out T
	if err := json.Unmarshal(v, &out); err != nil {
		return nil, fiber.NewError(fiber.StatusBadRequest, fmt.Sprintf("%s: must be %s", name, want))
	}
	return &out, nil
}
