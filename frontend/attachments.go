package frontend

import (
	"errors"
	"fmt"
	"mime"
	"strconv"

	"github.com/faultline/faultline/ingest/blob"
	"github.com/faultline/faultline/ingest/event"
	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
)

type attachmentJSON struct {
	ID          string `json:"id"`
	EventID     string `json:"event_id"`
	Name        string `json:"name"`
	Type        string `json:"type"`
	MimeType    string `json:"mimetype"`
	Size        int64  `json:"size"`
	DateCreated string `json:"dateCreated"`
}

func newAttachmentJSON(a metadata.Attachment) attachmentJSON {
	return attachmentJSON{ID: itoa(a.ID), EventID: a.EventID, Name: a.Name, Type: a.Type, MimeType: a.ContentType,
		Size: a.Size, DateCreated: isoTime(a.CreatedAt)}
}

func (a *API) eventAttachments(c *fiber.Ctx) error {
	project, err := a.loadProject(c)
	if err != nil {
		return err
	}
	eventID, ok := event.NormalizeID(c.Params("event_id"))
	if !ok {
		return fiber.NewError(fiber.StatusNotFound, "event not found")
	}
	items, err := a.db.EventAttachments(c.Context(), project.ID, eventID)
	if err != nil {
		return err
	}
	out := make([]attachmentJSON, len(items))
	for i, item := range items {
		out[i] = newAttachmentJSON(item)
	}
	return c.JSON(out)
}

// attachment answers the attachment's description, or with ?download its
// bytes as a file download.
func (a *API) attachment(c *fiber.Ctx) error {
	project, err := a.loadProject(c)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return fiber.NewError(fiber.StatusNotFound, "attachment not found")
	}
	att, err := a.db.GetAttachment(c.Context(), project.ID, id)
	eventID, _ := event.NormalizeID(c.Params("event_id"))
	if errors.Is(err, metadata.ErrNotFound) || (err == nil && att.EventID != eventID) {
		return fiber.NewError(fiber.StatusNotFound, "attachment not found")
	}
	if err != nil {
		return err
	}
	if _, download := c.Queries()["download"]; !download {
		return c.JSON(newAttachmentJSON(att))
	}
	r, err := a.blobs.Open(c.Context(), att.BlobKey)
	if errors.Is(err, blob.ErrNotFound) {
		return fiber.NewError(fiber.StatusGone, "the attachment's file is no longer stored")
	}
	if err != nil {
		return fmt.Errorf("open attachment %d: %w", att.ID, err)
	}
	// Downloads are never rendered inline: the bytes came from a client.
	c.Set(fiber.HeaderContentDisposition, mime.FormatMediaType("attachment", map[string]string{"filename": att.Name}))
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set(fiber.HeaderContentType, "application/octet-stream")
	return c.SendStream(r, int(att.Size))
}
