package issues

// NotFoundError is a request for issues (or people) that are not there,
// or not visible to the caller.
type NotFoundError struct{ Msg string }

func (e *NotFoundError) Error() string { return e.Msg }

// Missing reports that the request named something that is not there.
func (e *NotFoundError) Missing() bool { return true }

// InvalidError is a request that cannot be carried out as asked: its
// message says what to change.
type InvalidError struct{ Msg string }

func (e *InvalidError) Error() string { return e.Msg }

// Missing is false: the request is wrong, not looking for what is gone.
func (e *InvalidError) Missing() bool { return false }

func notFound(msg string) error { return &NotFoundError{Msg: msg} }

func invalid(msg string) error { return &InvalidError{Msg: msg} }

// ForbiddenError is a request the caller may not make of something they
// may see (another member's comment).
type ForbiddenError struct{ Msg string }

func (e *ForbiddenError) Error() string { return e.Msg }

// Missing is false: what the request names is there.
func (e *ForbiddenError) Missing() bool { return false }

// Forbidden is true: the caller lacks the right, not the request its form.
func (e *ForbiddenError) Forbidden() bool { return true }

func forbidden(msg string) error { return &ForbiddenError{Msg: msg} }
