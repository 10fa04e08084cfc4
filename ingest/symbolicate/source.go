package symbolicate

import "context"

// Source finds uploaded files for symbolication. Not found is an error wrapping fs.ErrNotExist.
type Source interface {
	// ByDebugID returns the file of kind "source_map" or "minified_source" carrying this
	// debug id, in any artifact bundle of the project's organization that names the project.
	ByDebugID(ctx context.Context, projectID int64, debugID, kind string) (content []byte, headers map[string]string, err error)
	// ByURL returns the file uploaded for release and dist (dist may be "") whose URL is url:
	// an exact match first, then an entry stored as "~/path" matching url's path on any host.
	ByURL(ctx context.Context, projectID int64, release, dist, url string) (content []byte, headers map[string]string, err error)
}
