package frontend

import (
	"errors"
	"log/slog"
	"strconv"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
)

// requestFault is an error of a service behind the API (issues,
// performance, monitors, alerts) that blames the request: what it names is missing (404),
// or it cannot be carried out as asked (400). Its message is for the
// client.
type requestFault interface {
	error
	Missing() bool
}

// ErrorHandler is the fiber error handler for every route: errors become
// JSON {"detail": "..."} with the status they carry. Errors that carry no
// status are logged and answered with a bare 500, so internal error text
// never reaches clients.
func ErrorHandler(log *slog.Logger) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		var fe *fiber.Error
		var invalid *metadata.InvalidError
		var refused requestFault
		switch {
		case errors.As(err, &fe):
		case errors.As(err, &invalid):
			fe = fiber.NewError(fiber.StatusBadRequest, invalid.Error())
			if invalid.Conflict() {
				fe.Code = fiber.StatusConflict
			}
		case errors.As(err, &refused):
			fe = fiber.NewError(fiber.StatusBadRequest, refused.Error())
			if refused.Missing() {
				fe.Code = fiber.StatusNotFound
			} else if f, ok := refused.(interface{ Forbidden() bool }); ok && f.Forbidden() {
				fe.Code = fiber.StatusForbidden
			}
		case errors.Is(err, metadata.ErrNotFound):
			fe = fiber.NewError(fiber.StatusNotFound, "not found")
		case metadata.IsRefusedValue(err):
			// A value no handler bounded reached PostgreSQL: the request's
			// fault, but worth bounding where it is read.
			log.Warn("PostgreSQL refused a value of the request", "method", c.Method(), "path", c.Path(),
				"request_id", c.GetRespHeader(fiber.HeaderXRequestID), "err", err)
			fe = fiber.NewError(fiber.StatusBadRequest, "a value in this request is out of range, too long or malformed; check the numbers and text you sent")
		case errors.Is(err, metadata.ErrBusy):
			c.Set(fiber.HeaderRetryAfter, "1")
			fe = fiber.NewError(fiber.StatusServiceUnavailable, err.Error())
		case errors.Is(err, analytics.ErrUnavailable):
			log.Warn("request needs ClickHouse, which is not answering", "method", c.Method(), "path", c.Path(), "err", err)
			fe = fiber.NewError(fiber.StatusServiceUnavailable,
				"the event store (ClickHouse) is not answering: events, charts and search are unavailable for now, issues and settings still work; retry shortly")
		default:
			log.Error("request failed", "method", c.Method(), "path", c.Path(), "request_id", c.GetRespHeader(fiber.HeaderXRequestID), "err", err)
			fe = fiber.NewError(fiber.StatusInternalServerError, "internal server error")
		}
		retryable := fe.Code == fiber.StatusServiceUnavailable || fe.Code == fiber.StatusTooManyRequests
		if retryable && len(c.Response().Header.Peek(fiber.HeaderRetryAfter)) == 0 {
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(5))
		}
		c.Set("X-Sentry-Error", fe.Message)
		return c.Status(fe.Code).JSON(fiber.Map{"detail": fe.Message})
	}
}
