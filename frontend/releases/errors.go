package releases

// NotFoundError is a request for a release that is not there.
type NotFoundError struct{ Msg string }

func (e *NotFoundError) Error() string { return e.Msg }

// Missing reports that the request named something that is not there.
func (e *NotFoundError) Missing() bool { return true }

func notFound(version string) error {
	return &NotFoundError{Msg: "release " + version + " not found"}
}

// RefusedError is a request the service cannot carry out as asked.
type RefusedError struct{ Msg string }

func (e *RefusedError) Error() string { return e.Msg }

// Missing reports that the request named nothing missing: it is refused.
func (e *RefusedError) Missing() bool { return false }
