package frontend

import (
	"sort"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// ssoRequired answers 403 when an organization of the user requires
// single sign-on and the user is not one of its owners, naming the
// providers to sign in with.
func (a *API) ssoRequired(c *fiber.Ctx, userID int64) error {
	org, err := a.db.SSORequiredBy(c.Context(), userID)
	if err != nil || org == "" {
		return err
	}
	var names, all []string
	for _, p := range a.sso {
		all = append(all, p.cfg.Name)
		if p.cfg.Organization == org {
			names = append(names, p.cfg.Name)
		}
	}
	if len(names) == 0 {
		names = all
	}
	sort.Strings(names)
	if len(names) == 0 { // the providers were removed from the configuration since
		names = []string{"the single sign-on provider your administrator configures"}
	}
	return a.refuse("sso_required", fiber.StatusForbidden, "organization "+org+" requires single sign-on (SSO): log in with "+
		strings.Join(names, " or ")+" instead of a password")
}
