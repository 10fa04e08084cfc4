package frontend

import (
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
)

// maxReleaseFileBytes bounds one file uploaded to a release; the request
// body limit (21 MiB) is the tighter bound in practice. Larger files go in
// artifact bundles, which are uploaded in chunks.
const maxReleaseFileBytes = 20 << 20

// releaseInURL loads the organization and the release in the URL for an
// upload; a release the organization lacks is a 404.
func (a *API) releaseInURL(c *fiber.Ctx) (metadata.Membership, string, error) {
	m, err := a.releaseOrg(c)
	if err != nil {
		return m, "", err
	}
	version, err := url.PathUnescape(c.Params("version"))
	if err != nil {
		return m, "", fiber.NewError(fiber.StatusNotFound, "release not found")
	}
	ok, err := a.db.ReleaseExists(c.Context(), m.OrgID, version)
	if err != nil {
		return m, "", err
	}
	if !ok {
		return m, "", fiber.NewError(fiber.StatusNotFound, "release not found")
	}
	v, err := a.visibility(c, m)
	if err != nil {
		return m, "", err
	}
	if !v.All {
		// A member who sees only its teams' projects reaches only their
		// releases, as the release routes answer it.
		ids, err := a.db.ReleaseProjectIDs(c.Context(), m.OrgID, version)
		if err != nil {
			return m, "", err
		}
		if !slices.ContainsFunc(ids, v.Sees) {
			return m, "", fiber.NewError(fiber.StatusNotFound, "release not found")
		}
	}
	return m, version, nil
}

// releaseFileJSON follows Sentry's release file.
type releaseFileJSON struct {
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	Dist        *string           `json:"dist"`
	Headers     map[string]string `json:"headers"`
	Size        int64             `json:"size"`
	SHA1        string            `json:"sha1"`
	DateCreated string            `json:"dateCreated"`
}

func newReleaseFileJSON(f metadata.ReleaseFile) releaseFileJSON {
	out := releaseFileJSON{ID: itoa(f.ID), Name: f.Name, Headers: f.Headers, Size: f.Size, SHA1: f.SHA1, DateCreated: isoTime(f.CreatedAt)}
	if f.Dist != "" {
		out.Dist = &f.Dist
	}
	return out
}

func (a *API) releaseFiles(c *fiber.Ctx) error {
	m, version, err := a.releaseInURL(c)
	if err != nil {
		return err
	}
	files, err := a.db.ReleaseFiles(c.Context(), m.OrgID, version)
	if err != nil {
		return err
	}
	out := make([]releaseFileJSON, len(files))
	for i, f := range files {
		out[i] = newReleaseFileJSON(f)
	}
	return c.JSON(out)
}

// uploadReleaseFile stores one file of a release from a multipart body:
// "file" (the bytes; its filename is the default name), "name" (the URL it
// is served at, often "~/path"), "dist", and "header" fields of the form
// "Key: Value" (such as "Sourcemap: app.js.map").
func (a *API) uploadReleaseFile(c *fiber.Ctx) error {
	m, version, err := a.releaseInURL(c)
	if err != nil {
		return err
	}
	mr, err := multipartBody(c)
	if err != nil {
		return err
	}
	f := metadata.ReleaseFile{Release: version, Headers: map[string]string{}}
	var content []byte
	seenFile := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fiber.NewError(fiber.StatusBadRequest, "the multipart body is malformed: "+err.Error())
		}
		field := part.FormName()
		if field == "file" {
			seenFile = true
			if f.Name == "" {
				f.Name = part.FileName()
			}
			if content, err = io.ReadAll(io.LimitReader(part, maxReleaseFileBytes+1)); err != nil {
				return fiber.NewError(fiber.StatusBadRequest, "the file cannot be read: "+err.Error())
			}
			if len(content) > maxReleaseFileBytes {
				return fiber.NewError(fiber.StatusRequestEntityTooLarge, fmt.Sprintf(
					"the file is over the limit of %d bytes (%d MiB); upload large files as an artifact bundle (sentry-cli sourcemaps upload)",
					maxReleaseFileBytes, maxReleaseFileBytes>>20))
			}
			continue
		}
		value, err := io.ReadAll(io.LimitReader(part, 4096))
		if err != nil || !utf8.Valid(value) || strings.ContainsRune(string(value), 0) {
			return fiber.NewError(fiber.StatusBadRequest, "form field "+field+" is not valid text")
		}
		switch field {
		case "name":
			f.Name = string(value)
		case "dist":
			f.Dist = string(value)
		case "header":
			k, v, ok := strings.Cut(string(value), ":")
			if !ok || strings.TrimSpace(k) == "" {
				return fiber.NewError(fiber.StatusBadRequest, `a header must be "Key: Value"`)
			}
			f.Headers[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
		}
	}
	switch {
	case !seenFile:
		return fiber.NewError(fiber.StatusBadRequest, "the body has no file field")
	case f.Name == "" || len(f.Name) > 1024 || !utf8.ValidString(f.Name) || strings.ContainsRune(f.Name, 0):
		return fiber.NewError(fiber.StatusBadRequest, "the file needs a name (its URL, such as ~/static/app.js) of at most 1024 bytes")
	case len(f.Dist) > 64:
		return fiber.NewError(fiber.StatusBadRequest, "dist is longer than 64 bytes")
	}
	sum := sha1.Sum(content)
	f.SHA1, f.Size = hex.EncodeToString(sum[:]), int64(len(content))
	f.BlobKey = fmt.Sprintf("artifacts/%d/files/%s", m.OrgID, rand.Text())
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Context()), assembleTimeout)
	defer cancel()
	if err := a.blobs.Put(ctx, f.BlobKey, content); err != nil {
		return fmt.Errorf("store release file: %w", err)
	}
	saved, err := a.db.AddReleaseFile(ctx, m.OrgID, f)
	if err != nil {
		if derr := a.blobs.Delete(ctx, f.BlobKey); derr != nil {
			a.log.Warn("a release file not indexed could not be deleted", "key", f.BlobKey, "err", derr)
		}
	}
	if errors.Is(err, metadata.ErrDuplicate) {
		return fiber.NewError(fiber.StatusConflict, fmt.Sprintf("release %s already has a file named %s", version, f.Name))
	}
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(newReleaseFileJSON(saved))
}
