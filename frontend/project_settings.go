package frontend

import (
	"fmt"
	"strings"

	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
)

// projectOptions renders the project's settings under the option names
// Sentry's project answer and its Terraform provider use.
func projectOptions(p metadata.Project) map[string]any {
	domains := p.AllowedOrigins
	if len(domains) == 0 {
		domains = []string{"*"}
	}
	return map[string]any{
		"sentry:resolve_age":  p.ResolveAgeHours,
		"sentry:scrub_data":   p.ScrubData,
		"sentry:origins":      strings.Join(domains, "\n"),
		"mail:subject_prefix": p.SubjectPrefix,
	}
}

// parseProjectUpdate reads a project PUT body the way Sentry takes it:
// top-level settings (name, slug, platform, resolveAge in hours,
// subjectPrefix, allowedDomains, scrubData or dataScrubber,
// apdexThreshold) and an options object, whose keys Faultline knows
// (sentry:resolve_age, sentry:scrub_data, sentry:origins,
// mail:subject_prefix) are applied and whose other keys are ignored, as
// Sentry ignores them. A top-level setting wins over its option. A value of
// the wrong type is a 400 naming its field.
func parseProjectUpdate(f bodyFields) (metadata.ProjectUpdate, error) {
	var u metadata.ProjectUpdate
	if err := applyProjectOptions(f, &u); err != nil {
		return u, err
	}
	var err error
	set := func(dst **string, name string) {
		if err == nil {
			var v *string
			if v, err = optional[string](f, name, "a string"); v != nil {
				*dst = v
			}
		}
	}
	set(&u.Name, "name")
	set(&u.Slug, "slug")
	set(&u.Platform, "platform")
	set(&u.SubjectPrefix, "subjectPrefix")
	if err != nil {
		return u, err
	}
	if v, err := optional[int](f, "resolveAge", "a whole number of hours"); err != nil {
		return u, err
	} else if v != nil {
		u.ResolveAgeHours = v
	}
	for _, name := range []string{"dataScrubber", "scrubData"} {
		if v, err := optional[bool](f, name, "true or false"); err != nil {
			return u, err
		} else if v != nil {
			u.ScrubData = v
		}
	}
	if v, err := optional[int](f, "apdexThreshold", "a whole number of milliseconds"); err != nil {
		return u, err
	} else if v != nil {
		u.ApdexMillis = v
	}
	if v, err := optional[[]string](f, "allowedDomains", "a list of strings"); err != nil {
		return u, err
	} else if v != nil {
		if u.AllowedOrigins, err = allowedOrigins("allowedDomains", *v); err != nil {
			return u, err
		}
	}
	return u, nil
}

// Bounds of a project's allowed origins.
const (
	maxOrigins      = 1000
	maxOriginLength = 500
)

// allowedOrigins checks the origins named by field and stores Sentry's
// ["*"] ("every origin") as the empty list.
func allowedOrigins(field string, d []string) (*[]string, error) {
	if len(d) > maxOrigins {
		return nil, fiber.NewError(fiber.StatusBadRequest, fmt.Sprintf("%s: at most %d origins", field, maxOrigins))
	}
	for _, o := range d {
		if len(o) > maxOriginLength {
			return nil, fiber.NewError(fiber.StatusBadRequest, fmt.Sprintf("%s: an origin has at most %d bytes", field, maxOriginLength))
		}
	}
	if len(d) == 1 && d[0] == "*" {
		d = []string{}
	}
	return &d, nil
}

func applyProjectOptions(f bodyFields, u *metadata.ProjectUpdate) error {
	opts, err := optional[bodyFields](f, "options", "an object")
	if err != nil || opts == nil {
		return err
	}
	o := *opts
	if v, err := optional[int](o, "sentry:resolve_age", "a whole number of hours"); err != nil {
		return optionError(err)
	} else if v != nil {
		u.ResolveAgeHours = v
	}
	if v, err := optional[bool](o, "sentry:scrub_data", "true or false"); err != nil {
		return optionError(err)
	} else if v != nil {
		u.ScrubData = v
	}
	if v, err := optional[string](o, "sentry:origins", "a string of origins, one a line"); err != nil {
		return optionError(err)
	} else if v != nil {
		var domains []string
		for _, line := range strings.Split(*v, "\n") {
			if line = strings.TrimSpace(line); line != "" {
				domains = append(domains, line)
			}
		}
		if u.AllowedOrigins, err = allowedOrigins("options.sentry:origins", domains); err != nil {
			return err
		}
	}
	if v, err := optional[string](o, "mail:subject_prefix", "a string"); err != nil {
		return optionError(err)
	} else if v != nil {
		u.SubjectPrefix = v
	}
	return nil
}

// optionError names an option's field as options.<key>.
func optionError(err error) error { return optionFieldError("options.", err) }

// optionFieldError names a nested field: prefix, then the field.
func optionFieldError(prefix string, err error) error {
	if fe, ok := err.(*fiber.Error); ok {
		return fiber.NewError(fe.Code, prefix+fe.Message)
	}
	return err
}

func (a *API) updateProject(c *fiber.Ctx) error {
	p, err := a.projectAllowing(c, "project:write")
	if err != nil {
		return err
	}
	f, err := readBodyFields(c)
	if err != nil {
		return err
	}
	u, err := parseProjectUpdate(f)
	if err != nil {
		return err
	}
	if u.Slug != nil && *u.Slug == p.Slug {
		u.Slug = nil
	}
	before := p
	p, err = a.db.UpdateProject(c.Context(), p.ID, u)
	if err != nil {
		return err
	}
	a.audit(c, p.OrgID, "project.edit", p.ID, projectAudit(before, p))
	out, err := a.projectDetail(c, p)
	if err != nil {
		return err
	}
	return c.JSON(out)
}
