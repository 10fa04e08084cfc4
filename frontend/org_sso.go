package frontend

import (
	"sort"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// updateOrganization changes an organization's settings; today that is
// requireSso, which only owners may change (org:admin): with it on, its
// members who are not owners may not log in with a password.
func (a *API) updateOrganization(c *fiber.Ctx) error {
	m, err := a.orgAllowing(c, "org:admin")
	if err != nil {
		return err
	}
	var body struct {
		RequireSSO *bool `json:"requireSso"`
	}
	if err := c.BodyParser(&body); err != nil || body.RequireSSO == nil {
		return fiber.NewError(fiber.StatusBadRequest, "requireSso: send a JSON body with requireSso, true or false")
	}
	if *body.RequireSSO && len(a.sso) == 0 {
		return fiber.NewError(fiber.StatusBadRequest, "requireSso: this server has no single sign-on provider (FAULTLINE_OIDC_PROVIDERS), so no member could log in")
	}
	if err := a.db.SetOrgRequiresSSO(c.Context(), m.OrgID, *body.RequireSSO); err != nil {
		return err
	}
	return c.JSON(orgJSON{ID: itoa(m.OrgID), Slug: m.OrgSlug, Name: m.OrgName, Role: m.Role, RequireSSO: body.RequireSSO})
}

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
