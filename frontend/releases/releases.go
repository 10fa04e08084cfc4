package releases

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/metadata"
)

// Store keeps releases, their deploys and commits, and counts issues by
// first release; *metadata.DB is one.
type Store interface {
	ReleaseVersions(ctx context.Context, orgID int64, projectIDs []int64, also []string, query string) ([]metadata.ReleaseVersion, error)
	Releases(ctx context.Context, orgID int64, versions []string) ([]metadata.Release, error)
	Release(ctx context.Context, orgID int64, version string) (metadata.Release, error)
	CreateRelease(ctx context.Context, orgID int64, nr metadata.NewRelease) (metadata.Release, bool, error)
	UpdateRelease(ctx context.Context, orgID int64, version string, ch metadata.ReleaseChanges) (metadata.Release, error)
	DeleteRelease(ctx context.Context, orgID int64, version string) error
	CreateDeploy(ctx context.Context, releaseID int64, d metadata.Deploy) (metadata.Deploy, error)
	Deploys(ctx context.Context, releaseID int64) ([]metadata.Deploy, error)
	ReleaseCommits(ctx context.Context, releaseID int64) ([]metadata.Commit, error)
	NewIssueCounts(ctx context.Context, projectIDs []int64, versions []string) (map[string]int, error)
	PreviousReleaseWithCommits(ctx context.Context, orgID int64, version string) (metadata.Release, metadata.Commit, error)
}

// Events tells when the projects' events named each release;
// *analytics.Store is one.
type Events interface {
	ReleasesSeen(ctx context.Context, projectIDs []uint64, versions []string, since time.Time) ([]analytics.ReleaseSeen, error)
	ReleasesHealth(ctx context.Context, projectIDs []uint64, releases []string, since, until time.Time) (map[analytics.ProjectRelease]analytics.ReleaseHealthData, error)
}

// FileCounter counts the files uploaded for an organization's releases
// (artifact bundles and release files), per version.
type FileCounter interface {
	ReleaseFileCounts(ctx context.Context, orgID int64, versions []string) (map[string]int, error)
}

// Window is how far back events are read for a release's first and last
// events and for the versions that only events name.
const Window = 90 * 24 * time.Hour

// HealthWindow is how far back sessions count for a release's health on
// the releases list, as Sentry's default.
const HealthWindow = 24 * time.Hour

// Scope is what a request sees: an organization with all its projects
// (those the caller sees), and the projects it picked (a project's route,
// or project=), nil for all. Partial says the caller sees only some of the
// organization's projects (closed membership).
type Scope struct {
	OrgID    int64
	Projects []metadata.Project
	Only     []int64
	Partial  bool
}

// seesAny reports whether one of ids is a project of the scope.
func (sc Scope) seesAny(ids []int64) bool {
	return slices.ContainsFunc(sc.Projects, func(p metadata.Project) bool { return slices.Contains(ids, p.ID) })
}

// picked is the ids of the projects the scope looks at.
func (sc Scope) picked() []int64 {
	if sc.Only != nil {
		return sc.Only
	}
	ids := make([]int64, len(sc.Projects))
	for i, p := range sc.Projects {
		ids[i] = p.ID
	}
	return ids
}

func (sc Scope) pickedUint() []uint64 {
	ids := sc.picked()
	out := make([]uint64, len(ids))
	for i, id := range ids {
		out[i] = uint64(id)
	}
	return out
}

// View is a release as the API shows it. A version that only events name
// has ID 0, its first event as CreatedAt, and the projects that sent them.
type View struct {
	metadata.Release
	FirstEvent, LastEvent *time.Time
	NewGroups             int
	FileCount             int
	Projects              []metadata.Project
	// Health is the release's session health per project id, for the
	// projects whose sessions named it in the HealthWindow.
	Health map[int64]analytics.ReleaseHealthData
}

// Service answers the release views and changes.
type Service struct {
	store  Store
	events Events
	files  FileCounter
}

// New returns a Service over the given stores; files may be nil, and then
// every release has no files.
func New(store Store, events Events, files FileCounter) *Service {
	return &Service{store: store, events: events, files: files}
}

// List answers at most limit releases from offset, newest first, of those
// whose version contains query (ignoring case): the stored releases of the
// scope's projects and the versions their events named in the Window.
func (s *Service) List(ctx context.Context, sc Scope, query string, limit, offset int, now time.Time) ([]View, error) {
	seen, err := s.seen(ctx, sc, nil, now)
	if err != nil {
		return nil, err
	}
	// A stored release the picked projects' events name is theirs too,
	// dated from its creation.
	var also []string
	if sc.Only != nil {
		also = make([]string, 0, len(seen))
		for v := range seen {
			also = append(also, v)
		}
	}
	stored, err := s.store.ReleaseVersions(ctx, sc.OrgID, sc.Only, also, query)
	if err != nil {
		return nil, err
	}
	have := make(map[string]bool, len(stored))
	for _, v := range stored {
		have[v.Version] = true
	}
	lower := strings.ToLower(query)
	for v, r := range seen {
		if !have[v] && strings.Contains(strings.ToLower(v), lower) {
			stored = append(stored, metadata.ReleaseVersion{Version: v, CreatedAt: r.First})
		}
	}
	slices.SortFunc(stored, func(a, b metadata.ReleaseVersion) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), strings.Compare(b.Version, a.Version))
	})
	if offset >= len(stored) {
		return nil, nil
	}
	page := stored[offset:min(offset+limit, len(stored))]
	versions := make([]string, len(page))
	for i, v := range page {
		versions[i] = v.Version
	}
	return s.views(ctx, sc, versions, seen, now)
}

// Get answers one release the scope sees, stored or named by its events.
func (s *Service) Get(ctx context.Context, sc Scope, version string, now time.Time) (View, error) {
	seen, err := s.seen(ctx, sc, []string{version}, now)
	if err != nil {
		return View{}, err
	}
	views, err := s.views(ctx, sc, []string{version}, seen, now)
	if err != nil {
		return View{}, err
	}
	if len(views) == 0 {
		return View{}, notFound(version)
	}
	return views[0], nil
}

// seen reads when the scope's events named versions (all when nil).
func (s *Service) seen(ctx context.Context, sc Scope, versions []string, now time.Time) (map[string]analytics.ReleaseSeen, error) {
	rows, err := s.events.ReleasesSeen(ctx, sc.pickedUint(), versions, now.Add(-Window))
	if err != nil {
		return nil, err
	}
	out := make(map[string]analytics.ReleaseSeen, len(rows))
	for _, r := range rows {
		out[r.Release] = r
	}
	return out, nil
}

// views builds the views of versions, in order, leaving out those neither
// stored in the scope nor seen.
func (s *Service) views(ctx context.Context, sc Scope, versions []string, seen map[string]analytics.ReleaseSeen, now time.Time) ([]View, error) {
	rows, err := s.store.Releases(ctx, sc.OrgID, versions)
	if err != nil {
		return nil, err
	}
	stored := make(map[string]metadata.Release, len(rows))
	for _, r := range rows {
		stored[r.Version] = r
	}
	newGroups, err := s.store.NewIssueCounts(ctx, sc.picked(), versions)
	if err != nil {
		return nil, err
	}
	files := map[string]int{}
	if s.files != nil {
		if files, err = s.files.ReleaseFileCounts(ctx, sc.OrgID, versions); err != nil {
			return nil, err
		}
	}
	health, err := s.events.ReleasesHealth(ctx, sc.pickedUint(), versions, now.Add(-HealthWindow), now)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]metadata.Project, len(sc.Projects))
	for _, p := range sc.Projects {
		byID[p.ID] = p
	}
	out := make([]View, 0, len(versions))
	for _, v := range versions {
		r, isStored := stored[v]
		ev, isSeen := seen[v]
		if isStored && sc.Only != nil && !isSeen && !slices.ContainsFunc(r.ProjectIDs, func(id int64) bool { return slices.Contains(sc.Only, id) }) {
			isStored = false // a release of other projects
		}
		if !isStored && !isSeen {
			continue
		}
		view := View{Release: r, NewGroups: newGroups[v], FileCount: files[v]}
		if !isStored {
			view.Release = metadata.Release{OrgID: sc.OrgID, Version: v, CreatedAt: ev.First}
		}
		ids := slices.Clone(view.ProjectIDs)
		if isSeen {
			view.FirstEvent, view.LastEvent = &ev.First, &ev.Last
			for _, id := range ev.Projects {
				ids = append(ids, int64(id))
			}
		}
		slices.Sort(ids)
		for _, id := range slices.Compact(ids) {
			if p, ok := byID[id]; ok {
				view.Projects = append(view.Projects, p)
			}
			if h, ok := health[analytics.ProjectRelease{ProjectID: uint64(id), Release: v}]; ok {
				if view.Health == nil {
					view.Health = map[int64]analytics.ReleaseHealthData{}
				}
				view.Health[id] = h
			}
		}
		out = append(out, view)
	}
	return out, nil
}

// Create creates a release, or adds to the one of that version; created
// says which. A new release needs projects; naming none is how sentry-cli
// touches one that exists (archive, restore).
func (s *Service) Create(ctx context.Context, sc Scope, nr metadata.NewRelease, now time.Time) (View, bool, error) {
	if sc.Partial {
		r, err := s.store.Release(ctx, sc.OrgID, nr.Version)
		if err != nil && !errors.Is(err, metadata.ErrNotFound) {
			return View{}, false, err
		}
		if err == nil && !sc.seesAny(r.ProjectIDs) {
			return unsaved(sc, nr, now)
		}
	}
	if len(nr.ProjectIDs) == 0 {
		_, err := s.store.Release(ctx, sc.OrgID, nr.Version)
		if errors.Is(err, metadata.ErrNotFound) {
			return View{}, false, &RefusedError{Msg: "projects: a new release needs at least one project of the organization (slugs or ids)"}
		}
		if err != nil {
			return View{}, false, err
		}
	}
	_, created, err := s.store.CreateRelease(ctx, sc.OrgID, nr)
	if err != nil {
		return View{}, false, err
	}
	v, err := s.Get(ctx, Scope{OrgID: sc.OrgID, Projects: sc.Projects}, nr.Version, now)
	return v, created, err
}

// unsaved answers the creation of a version that exists only for projects
// the caller does not see as if it did not exist: a new release with what
// was sent. Nothing is written: the caller's projects are not attached to
// another team's release, nor its commits replaced, nor its ref, url,
// dates, commits or deploys shown. Versions are unique in an organization,
// so the caller cannot change it later (its routes answer 404); teams
// sharing an organization name versions per project (package@version).
func unsaved(sc Scope, nr metadata.NewRelease, now time.Time) (View, bool, error) {
	if len(nr.ProjectIDs) == 0 {
		return View{}, false, &RefusedError{Msg: "projects: a new release needs at least one project of the organization (slugs or ids)"}
	}
	v := View{Release: metadata.Release{OrgID: sc.OrgID, Version: nr.Version, Ref: nr.Ref, URL: nr.URL, DateReleased: nr.DateReleased,
		CreatedAt: now, ProjectIDs: nr.ProjectIDs}}
	if nr.Commits != nil {
		v.CommitCount = len(*nr.Commits)
	}
	for _, p := range sc.Projects {
		if slices.Contains(nr.ProjectIDs, p.ID) {
			v.Projects = append(v.Projects, p)
		}
	}
	return v, true, nil
}

// Update changes a release. A version that only events name is stored
// first, with the projects that sent them, as Sentry would have it.
func (s *Service) Update(ctx context.Context, sc Scope, version string, ch metadata.ReleaseChanges, now time.Time) (View, error) {
	if _, err := s.stored(ctx, sc, version, now); err != nil {
		return View{}, err
	}
	if _, err := s.store.UpdateRelease(ctx, sc.OrgID, version, ch); err != nil {
		if errors.Is(err, metadata.ErrNotFound) { // deleted meanwhile
			return View{}, notFound(version)
		}
		return View{}, err
	}
	return s.Get(ctx, sc, version, now)
}

// Delete deletes a stored release; its events keep naming it.
func (s *Service) Delete(ctx context.Context, orgID int64, version string) error {
	err := s.store.DeleteRelease(ctx, orgID, version)
	if errors.Is(err, metadata.ErrNotFound) {
		return notFound(version)
	}
	return err
}

// CreateDeploy records a deploy of a release, storing a version that only
// events name first.
func (s *Service) CreateDeploy(ctx context.Context, sc Scope, version string, d metadata.Deploy, now time.Time) (metadata.Deploy, error) {
	r, err := s.stored(ctx, sc, version, now)
	if err != nil {
		return d, err
	}
	return s.store.CreateDeploy(ctx, r.ID, d)
}

// Deploys lists a release's deploys, newest first (none for a version
// that only events name).
func (s *Service) Deploys(ctx context.Context, sc Scope, version string, now time.Time) ([]metadata.Deploy, error) {
	r, err := s.known(ctx, sc, version, now)
	if err != nil || r.ID == 0 {
		return nil, err
	}
	return s.store.Deploys(ctx, r.ID)
}

// Commits lists a release's commits in their order (none for a version
// that only events name).
func (s *Service) Commits(ctx context.Context, sc Scope, version string, now time.Time) ([]metadata.Commit, error) {
	r, err := s.known(ctx, sc, version, now)
	if err != nil || r.ID == 0 {
		return nil, err
	}
	return s.store.ReleaseCommits(ctx, r.ID)
}

// PreviousWithCommits answers the newest release created before version
// that has commits, with its head commit (where sentry-cli starts reading
// the git log); ok is false when there is none.
func (s *Service) PreviousWithCommits(ctx context.Context, sc Scope, version string, now time.Time) (v View, head metadata.Commit, ok bool, err error) {
	r, head, err := s.store.PreviousReleaseWithCommits(ctx, sc.OrgID, version)
	if errors.Is(err, metadata.ErrNotFound) {
		return v, head, false, nil
	}
	if err != nil {
		return v, head, false, err
	}
	v, err = s.Get(ctx, Scope{OrgID: sc.OrgID, Projects: sc.Projects}, r.Version, now)
	return v, head, err == nil, err
}

// known returns the stored release of version or, when only events name
// it, a Release with ID 0 and the projects that sent them; a
// NotFoundError when neither.
func (s *Service) known(ctx context.Context, sc Scope, version string, now time.Time) (metadata.Release, error) {
	r, err := s.store.Release(ctx, sc.OrgID, version)
	if !errors.Is(err, metadata.ErrNotFound) {
		return r, err
	}
	seen, err := s.seen(ctx, sc, []string{version}, now)
	if err != nil {
		return r, err
	}
	ev, ok := seen[version]
	if !ok {
		return r, notFound(version)
	}
	r = metadata.Release{OrgID: sc.OrgID, Version: version}
	for _, id := range ev.Projects {
		r.ProjectIDs = append(r.ProjectIDs, int64(id))
	}
	return r, nil
}

// stored returns the stored release of version, storing it first (with
// the projects that sent its events) when only events name it.
func (s *Service) stored(ctx context.Context, sc Scope, version string, now time.Time) (metadata.Release, error) {
	r, err := s.known(ctx, sc, version, now)
	if err != nil || r.ID != 0 {
		return r, err
	}
	r, _, err = s.store.CreateRelease(ctx, sc.OrgID, metadata.NewRelease{Version: version, ProjectIDs: r.ProjectIDs})
	return r, err
}
