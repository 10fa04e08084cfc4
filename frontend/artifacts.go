package frontend

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/faultline/faultline/ingest/artifact"
	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
)

// Source map uploads: sentry-cli's chunk upload protocol (options, chunks,
// assemble), the older one-file-at-a-time release files, and the listing of
// a project's bundles.
func (a *API) registerArtifacts(api fiber.Router) {
	api.Get("/organizations/:org/chunk-upload/", a.chunkUploadOptions)
	api.Post("/organizations/:org/chunk-upload/", a.uploadChunks)
	api.Post("/organizations/:org/artifactbundle/assemble/", a.assembleBundle)
	api.Post("/organizations/:org/releases/:version/assemble/", a.assembleReleaseBundle)
	api.Get("/organizations/:org/releases/:version/files/", a.releaseFiles)
	api.Post("/organizations/:org/releases/:version/files/", a.uploadReleaseFile)
	api.Get("/projects/:org/:project/files/artifact-bundles/", a.artifactBundles)
}

var sha1Hex = regexp.MustCompile(`^[0-9a-f]{40}$`)

// releaseOrg loads the organization in the URL for an upload: the caller
// needs project:releases, or project:write, which includes it.
func (a *API) releaseOrg(c *fiber.Ctx) (metadata.Membership, error) {
	m, err := a.membership(c)
	if err != nil {
		return m, err
	}
	if allow(c, m, "project:write") == nil {
		return m, nil
	}
	return m, allow(c, m, "project:releases")
}

// chunkUploadOptions tells sentry-cli how to upload. The URL is relative
// (sentry-cli joins it to its configured server, so it works behind any
// proxy) except for sentry-cli before 1.70.1, which needs an absolute one.
func (a *API) chunkUploadOptions(c *fiber.Ctx) error {
	m, err := a.releaseOrg(c)
	if err != nil {
		return err
	}
	path := "/api/0/organizations/" + url.PathEscape(m.OrgSlug) + "/chunk-upload/"
	if oldSentryCLI(c.Get(fiber.HeaderUserAgent)) {
		path = strings.TrimSuffix(a.opts.PublicURL, "/") + path
	}
	return c.JSON(fiber.Map{
		"url":              path,
		"chunkSize":        chunkSize,
		"chunksPerRequest": chunksPerRequest,
		"maxFileSize":      a.bundles.limits.MaxBundleBytes,
		"maxRequestSize":   maxChunkRequest,
		"concurrency":      4,
		"hashAlgorithm":    "sha1",
		"compression":      []string{"gzip"},
		// sentry-cli 2.x picks its upload path from these: artifact bundles
		// first, release files (chunked) otherwise. 3.x always uses bundles.
		"accept": []string{"release_files", "sources", "artifact_bundles", "artifact_bundles_v2"},
	})
}

var sentryCLIVersion = regexp.MustCompile(`^sentry-cli/(\d+)\.(\d+)\.(\d+)`)

func oldSentryCLI(userAgent string) bool {
	m := sentryCLIVersion.FindStringSubmatch(userAgent)
	if m == nil {
		return false
	}
	v := [3]int{}
	for i := range v {
		fmt.Sscan(m[i+1], &v[i])
	}
	return v[0] < 1 || (v[0] == 1 && (v[1] < 70 || (v[1] == 70 && v[2] < 1)))
}

// uploadChunks stores the chunks of a multipart body: parts named "file"
// (raw) or "file_gzip" (gzip-compressed), each with its content's SHA-1 as
// filename. A chunk whose content has another hash is refused, as is the
// whole request past its limits; chunks before the refusal stay stored.
func (a *API) uploadChunks(c *fiber.Ctx) error {
	m, err := a.releaseOrg(c)
	if err != nil {
		return err
	}
	mr, err := multipartBody(c)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Context()), assembleTimeout)
	defer cancel()
	refuse := func(msg string) error {
		a.bundles.count("chunk_refused")
		return fiber.NewError(fiber.StatusBadRequest, msg)
	}
	count, total := 0, 0
	var stored []string
	defer func() { // noted even when a later part is refused, so the sweep finds them
		if err := a.db.RecordChunks(ctx, m.OrgID, stored); err != nil {
			a.log.Warn("uploaded chunks could not be noted; if never assembled they stay on disk", "err", err)
		}
	}()
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fiber.NewError(fiber.StatusBadRequest, "the multipart body is malformed: "+err.Error())
		}
		field := part.FormName()
		if field != "file" && field != "file_gzip" {
			continue
		}
		sum := strings.ToLower(part.FileName())
		if !sha1Hex.MatchString(sum) {
			return refuse(fmt.Sprintf("chunk name %q is not a SHA-1 in hex", part.FileName()))
		}
		if count++; count > chunksPerRequest {
			return refuse(fmt.Sprintf("too many chunks in one request: at most %d", chunksPerRequest))
		}
		data, err := readChunk(part, field == "file_gzip")
		if err != nil {
			return refuse(fmt.Sprintf("chunk %s: %v", sum, err))
		}
		if total += len(data); total > maxChunkRequest {
			return refuse(fmt.Sprintf("the request's chunks are over %d bytes", maxChunkRequest))
		}
		if got := sha1.Sum(data); hex.EncodeToString(got[:]) != sum {
			return refuse(fmt.Sprintf("chunk %s: its content's SHA-1 is %x", sum, got))
		}
		if err := a.blobs.Put(ctx, chunkKey(m.OrgID, sum), data); err != nil {
			return fmt.Errorf("store chunk %s: %w", sum, err)
		}
		stored = append(stored, sum)
		a.bundles.count("chunk_stored")
	}
	return c.SendStatus(fiber.StatusOK)
}

// multipartBody reads the request's multipart/form-data body.
func multipartBody(c *fiber.Ctx) (*multipart.Reader, error) {
	media, params, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || media != fiber.MIMEMultipartForm || params["boundary"] == "" {
		return nil, fiber.NewError(fiber.StatusBadRequest, "expected a multipart/form-data body")
	}
	return multipart.NewReader(bytes.NewReader(c.BodyRaw()), params["boundary"]), nil
}

// readChunk reads one chunk, inflating it when gzipped, up to chunkSize.
func readChunk(part io.Reader, gzipped bool) ([]byte, error) {
	r := part
	if gzipped {
		gz, err := gzip.NewReader(part)
		if err != nil {
			return nil, fmt.Errorf("not gzip: %w", err)
		}
		defer gz.Close()
		r = gz
	}
	data, err := io.ReadAll(io.LimitReader(r, chunkSize+1))
	if err != nil {
		return nil, fmt.Errorf("unreadable: %w", err)
	}
	if len(data) > chunkSize {
		return nil, fmt.Errorf("over the chunk size of %d bytes", chunkSize)
	}
	return data, nil
}

// assembleBody is sentry-cli's ChunkedArtifactRequest.
type assembleBody struct {
	Checksum string   `json:"checksum"`
	Chunks   []string `json:"chunks"`
	Projects []string `json:"projects"`
	Version  string   `json:"version"`
	Dist     string   `json:"dist"`
}

func (a *API) readAssembleBody(c *fiber.Ctx) (assembleBody, error) {
	var body assembleBody
	if err := json.Unmarshal(c.BodyRaw(), &body); err != nil {
		return body, fiber.NewError(fiber.StatusBadRequest, "the body is not a JSON assemble request: "+err.Error())
	}
	if !sha1Hex.MatchString(body.Checksum) {
		return body, fiber.NewError(fiber.StatusBadRequest, "checksum must be a SHA-1 in lowercase hex")
	}
	for _, sum := range body.Chunks {
		if !sha1Hex.MatchString(sum) {
			return body, fiber.NewError(fiber.StatusBadRequest, fmt.Sprintf("chunk %q is not a SHA-1 in lowercase hex", sum))
		}
	}
	if len(body.Chunks) > maxBundleChunks {
		a.bundles.count("bundle_too_large")
		return body, fiber.NewError(fiber.StatusRequestEntityTooLarge, fmt.Sprintf(
			"a bundle of %d chunks of %d bytes is over the limit of %d bytes (%d MiB); upload fewer files at once",
			len(body.Chunks), chunkSize, artifact.DefaultLimits.MaxBundleBytes, artifact.DefaultLimits.MaxBundleBytes>>20))
	}
	if len(body.Version) > 250 || len(body.Dist) > 64 {
		return body, fiber.NewError(fiber.StatusBadRequest, "version or dist is too long")
	}
	return body, nil
}

// assembleBundle assembles an artifact bundle for the projects named.
func (a *API) assembleBundle(c *fiber.Ctx) error {
	m, err := a.releaseOrg(c)
	if err != nil {
		return err
	}
	body, err := a.readAssembleBody(c)
	if err != nil {
		return err
	}
	if len(body.Projects) == 0 {
		return fiber.NewError(fiber.StatusBadRequest, "name at least one project")
	}
	all, err := a.visibleProjects(c, m)
	if err != nil {
		return err
	}
	var ids []int64
	for _, slug := range body.Projects {
		i := slices.IndexFunc(all, func(p metadata.Project) bool { return p.Slug == slug })
		if i < 0 {
			return fiber.NewError(fiber.StatusBadRequest, fmt.Sprintf("project %q is not in organization %s", slug, m.OrgSlug))
		}
		ids = append(ids, all[i].ID)
	}
	return a.runAssemble(c, assembleRequest{orgID: m.OrgID, checksum: body.Checksum, chunks: body.Chunks, projectIDs: ids,
		release: body.Version, dist: body.Dist})
}

// assembleReleaseBundle is the older form for one release: the bundle is
// for the release's projects (all of the organization's when it names none).
func (a *API) assembleReleaseBundle(c *fiber.Ctx) error {
	m, version, err := a.releaseInURL(c)
	if err != nil {
		return err
	}
	body, err := a.readAssembleBody(c)
	if err != nil {
		return err
	}
	ids, err := a.db.ReleaseProjectIDs(c.Context(), m.OrgID, version)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		all, err := a.visibleProjects(c, m)
		if err != nil {
			return err
		}
		ids = projectIDsOf(all)
	} else {
		// Only the projects the caller sees get the bundle; a release of
		// none of them is not the caller's to upload to.
		v, err := a.visibility(c, m)
		if err != nil {
			return err
		}
		if ids = slices.DeleteFunc(ids, func(id int64) bool { return !v.Sees(id) }); len(ids) == 0 {
			return fiber.NewError(fiber.StatusNotFound, "release not found")
		}
	}
	return a.runAssemble(c, assembleRequest{orgID: m.OrgID, checksum: body.Checksum, chunks: body.Chunks, projectIDs: ids,
		release: version, dist: body.Dist})
}

func (a *API) runAssemble(c *fiber.Ctx, req assembleRequest) error {
	ans, err := a.bundles.assemble(c.Context(), req)
	if err != nil {
		return err
	}
	return c.JSON(ans)
}

// bundleJSON follows Sentry's artifact bundle listing, with Faultline's
// additions (id, checksum, size, debugIds).
type bundleJSON struct {
	ID           string          `json:"id"`
	BundleID     string          `json:"bundleId"`
	Checksum     string          `json:"checksum"`
	Associations []bundleRelease `json:"associations"`
	FileCount    int             `json:"fileCount"`
	Size         int64           `json:"size"`
	DebugIDs     []string        `json:"debugIds"`
	Date         string          `json:"date"`
	DateModified string          `json:"dateModified"`
}

type bundleRelease struct {
	Release string `json:"release"`
	Dist    string `json:"dist"`
}

// artifactBundles lists the project's bundles, newest first, to readers of
// the project and to uploaders (a token with only project:releases).
func (a *API) artifactBundles(c *fiber.Ctx) error {
	m, err := a.membership(c)
	if err != nil {
		return err
	}
	if allow(c, m, "project:releases") != nil {
		if err := allow(c, m, "project:read"); err != nil {
			return err
		}
	}
	p, err := a.visibleProject(c, m, c.Params("project"))
	if err != nil {
		return err
	}
	bundles, err := a.db.ListArtifactBundles(c.Context(), m.OrgID, p.ID, 100)
	if err != nil {
		return err
	}
	out := make([]bundleJSON, len(bundles))
	for i, b := range bundles {
		out[i] = bundleJSON{ID: itoa(b.ID), BundleID: b.BundleID, Checksum: b.Checksum, Associations: []bundleRelease{},
			FileCount: b.FileCount, Size: b.Size, DebugIDs: b.DebugIDs, Date: isoTime(b.CreatedAt), DateModified: isoTime(b.CreatedAt)}
		if b.Release != "" {
			out[i].Associations = append(out[i].Associations, bundleRelease{Release: b.Release, Dist: b.Dist})
		}
		if out[i].DebugIDs == nil {
			out[i].DebugIDs = []string{}
		}
	}
	return c.JSON(out)
}
