package releases

// NotFoundError is a request for a release that is not there.
type NotFoundError struct{ Msg string }

func (e *NotFoundError) Error() string { return e.Msg }

// Missing reports that the request named something that is not there.
func (e *NotFoundError) Missing() bool { return true }

func notFound(version string) error {
	return &NotFoundError{Msg: "release " + version + " not found"}
}
