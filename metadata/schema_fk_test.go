package metadata_test

import (
	"testing"

	"github.com/faultline/faultline/metadata/metadatatest"
)

// Deleting a project, or issues by retention, deletes many issues at
// once, and PostgreSQL then looks up every row that refers to each of
// them. A reference without an index makes each lookup read its table
// whole: deleting a project of 100,000 issues took hours, not seconds.
func TestReferencesToIssuesAndProjectsAreIndexed(t *testing.T) {
	metadatatest.Open(t) // migrated
	unindexed := texts(t, catalog(t, ""), `
		SELECT c.conrelid::regclass::text || '.' || a.attname || ' → ' || c.confrelid::regclass::text
		FROM pg_constraint c
		JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
		WHERE c.contype = 'f' AND c.confrelid IN ('issues'::regclass, 'projects'::regclass)
		  AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1])
		ORDER BY 1`)
	for _, ref := range unindexed {
		t.Errorf("no index leads with the reference %s", ref)
	}
}
