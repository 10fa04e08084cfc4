// Package releasestest is an in-memory stand-in for the stores behind the
// releases service, for tests that need no database.
package releasestest

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/metadata"
)

// Store holds releases of any organization with their deploys and
// commits, the releases events named, and issues' first releases. A
// method named in Fail fails with that error.
type Store struct {
	Stored      []metadata.Release
	DeployLists map[int64][]metadata.Deploy
	CommitLists map[int64][]metadata.Commit
	Seen        []analytics.ReleaseSeen
	// FirstReleases is the first release of issues, per project.
	FirstReleases map[int64][]string
	Files         map[string]int
	// Health is the release health ReleasesHealth answers.
	Health map[analytics.ProjectRelease]analytics.ReleaseHealthData
	Fail   map[string]error
	nextID int64
}

func (s *Store) fail(method string) error { return s.Fail[method] }

func (s *Store) index(orgID int64, version string) int {
	return slices.IndexFunc(s.Stored, func(r metadata.Release) bool { return r.OrgID == orgID && r.Version == version })
}

func (s *Store) withSummary(r metadata.Release) metadata.Release {
	r.CommitCount, r.DeployCount, r.LastDeploy = len(s.CommitLists[r.ID]), len(s.DeployLists[r.ID]), nil
	if ds := s.DeployLists[r.ID]; len(ds) > 0 {
		r.LastDeploy = &ds[0]
	}
	return r
}

func (s *Store) ReleaseVersions(_ context.Context, orgID int64, projectIDs []int64, also []string, query string) ([]metadata.ReleaseVersion, error) {
	var out []metadata.ReleaseVersion
	for _, r := range s.Stored {
		inProjects := projectIDs == nil || slices.Contains(also, r.Version) ||
			slices.ContainsFunc(r.ProjectIDs, func(id int64) bool { return slices.Contains(projectIDs, id) })
		if r.OrgID == orgID && inProjects && strings.Contains(strings.ToLower(r.Version), strings.ToLower(query)) {
			out = append(out, metadata.ReleaseVersion{Version: r.Version, CreatedAt: r.CreatedAt})
		}
	}
	slices.SortFunc(out, func(a, b metadata.ReleaseVersion) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return out, s.fail("ReleaseVersions")
}

func (s *Store) Releases(_ context.Context, orgID int64, versions []string) ([]metadata.Release, error) {
	var out []metadata.Release
	for _, v := range versions {
		if i := s.index(orgID, v); i >= 0 {
			out = append(out, s.withSummary(s.Stored[i]))
		}
	}
	return out, s.fail("Releases")
}

func (s *Store) Release(_ context.Context, orgID int64, version string) (metadata.Release, error) {
	if err := s.fail("Release"); err != nil {
		return metadata.Release{}, err
	}
	if i := s.index(orgID, version); i >= 0 {
		return s.withSummary(s.Stored[i]), nil
	}
	return metadata.Release{}, metadata.ErrNotFound
}

func (s *Store) CreateRelease(ctx context.Context, orgID int64, nr metadata.NewRelease) (metadata.Release, bool, error) {
	if err := s.fail("CreateRelease"); err != nil {
		return metadata.Release{}, false, err
	}
	if err := metadata.ValidReleaseVersion(nr.Version); err != nil {
		return metadata.Release{}, false, err
	}
	i := s.index(orgID, nr.Version)
	created := i < 0
	if created {
		s.nextID++
		s.Stored = append(s.Stored, metadata.Release{ID: 100 + s.nextID, OrgID: orgID, Version: nr.Version, Ref: nr.Ref, URL: nr.URL,
			DateReleased: nr.DateReleased, CreatedAt: time.Now()})
		i = len(s.Stored) - 1
	}
	s.change(i, metadata.ReleaseChanges{ProjectIDs: nr.ProjectIDs, Commits: nr.Commits})
	r, err := s.Release(ctx, orgID, nr.Version)
	return r, created, err
}

func (s *Store) change(i int, ch metadata.ReleaseChanges) {
	r := &s.Stored[i]
	for _, id := range ch.ProjectIDs {
		if !slices.Contains(r.ProjectIDs, id) {
			r.ProjectIDs = append(r.ProjectIDs, id)
		}
	}
	slices.Sort(r.ProjectIDs)
	if ch.Commits != nil {
		if s.CommitLists == nil {
			s.CommitLists = map[int64][]metadata.Commit{}
		}
		s.CommitLists[r.ID] = *ch.Commits
	}
}

func (s *Store) UpdateRelease(ctx context.Context, orgID int64, version string, ch metadata.ReleaseChanges) (metadata.Release, error) {
	if err := s.fail("UpdateRelease"); err != nil {
		return metadata.Release{}, err
	}
	i := s.index(orgID, version)
	if i < 0 {
		return metadata.Release{}, metadata.ErrNotFound
	}
	r := &s.Stored[i]
	if ch.Ref != nil {
		r.Ref = *ch.Ref
	}
	if ch.URL != nil {
		r.URL = *ch.URL
	}
	if ch.SetDateReleased {
		r.DateReleased = ch.DateReleased
	}
	s.change(i, ch)
	return s.Release(ctx, orgID, version)
}

func (s *Store) DeleteRelease(_ context.Context, orgID int64, version string) error {
	if err := s.fail("DeleteRelease"); err != nil {
		return err
	}
	i := s.index(orgID, version)
	if i < 0 {
		return metadata.ErrNotFound
	}
	s.Stored = slices.Delete(s.Stored, i, i+1)
	return nil
}

func (s *Store) CreateDeploy(_ context.Context, releaseID int64, d metadata.Deploy) (metadata.Deploy, error) {
	if err := s.fail("CreateDeploy"); err != nil {
		return d, err
	}
	if s.DeployLists == nil {
		s.DeployLists = map[int64][]metadata.Deploy{}
	}
	d.ID = int64(len(s.DeployLists[releaseID]) + 1)
	if d.DateFinished.IsZero() {
		d.DateFinished = time.Now()
	}
	s.DeployLists[releaseID] = append([]metadata.Deploy{d}, s.DeployLists[releaseID]...)
	return d, nil
}

func (s *Store) Deploys(_ context.Context, releaseID int64) ([]metadata.Deploy, error) {
	return s.DeployLists[releaseID], s.fail("Deploys")
}

func (s *Store) ReleaseCommits(_ context.Context, releaseID int64) ([]metadata.Commit, error) {
	return s.CommitLists[releaseID], s.fail("ReleaseCommits")
}

func (s *Store) NewIssueCounts(_ context.Context, projectIDs []int64, versions []string) (map[string]int, error) {
	out := map[string]int{}
	for _, p := range projectIDs {
		for _, v := range s.FirstReleases[p] {
			if slices.Contains(versions, v) {
				out[v]++
			}
		}
	}
	return out, s.fail("NewIssueCounts")
}

// ReleasesSeen answers Seen narrowed to the projects and versions.
func (s *Store) ReleasesSeen(_ context.Context, projectIDs []uint64, versions []string, _ time.Time) ([]analytics.ReleaseSeen, error) {
	if err := s.fail("ReleasesSeen"); err != nil {
		return nil, err
	}
	var out []analytics.ReleaseSeen
	for _, r := range s.Seen {
		if versions != nil && !slices.Contains(versions, r.Release) {
			continue
		}
		var in []uint64
		for _, p := range r.Projects {
			if slices.Contains(projectIDs, p) {
				in = append(in, p)
			}
		}
		if len(in) > 0 {
			r.Projects = in
			out = append(out, r)
		}
	}
	return out, nil
}

// ReleaseFileCounts answers Files for the versions.
func (s *Store) ReleaseFileCounts(_ context.Context, _ int64, versions []string) (map[string]int, error) {
	out := map[string]int{}
	for _, v := range versions {
		if n, ok := s.Files[v]; ok {
			out[v] = n
		}
	}
	return out, s.fail("ReleaseFileCounts")
}

// PreviousReleaseWithCommits answers the newest stored release created
// before version that has commits.
func (s *Store) PreviousReleaseWithCommits(_ context.Context, orgID int64, version string) (metadata.Release, metadata.Commit, error) {
	if err := s.fail("PreviousReleaseWithCommits"); err != nil {
		return metadata.Release{}, metadata.Commit{}, err
	}
	before := time.Now().Add(time.Hour)
	if i := s.index(orgID, version); i >= 0 {
		before = s.Stored[i].CreatedAt
	}
	var best *metadata.Release
	for i, r := range s.Stored {
		if r.OrgID == orgID && r.Version != version && r.CreatedAt.Before(before) && len(s.CommitLists[r.ID]) > 0 &&
			(best == nil || r.CreatedAt.After(best.CreatedAt)) {
			best = &s.Stored[i]
		}
	}
	if best == nil {
		return metadata.Release{}, metadata.Commit{}, metadata.ErrNotFound
	}
	return s.withSummary(*best), s.CommitLists[best.ID][0], nil
}

func (s *Store) ReleasesHealth(_ context.Context, projectIDs []uint64, releases []string, _, _ time.Time) (map[analytics.ProjectRelease]analytics.ReleaseHealthData, error) {
	if err := s.fail("ReleasesHealth"); err != nil {
		return nil, err
	}
	out := map[analytics.ProjectRelease]analytics.ReleaseHealthData{}
	for k, h := range s.Health {
		if slices.Contains(projectIDs, k.ProjectID) && slices.Contains(releases, k.Release) {
			out[k] = h
		}
	}
	return out, nil
}
