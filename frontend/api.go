package frontend

import (
	"log/slog"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/frontend/alerts"
	"github.com/faultline/faultline/frontend/issues"
	"github.com/faultline/faultline/frontend/mail"
	"github.com/faultline/faultline/frontend/monitors"
	"github.com/faultline/faultline/frontend/performance"
	"github.com/faultline/faultline/frontend/releases"
	"github.com/faultline/faultline/ingest/blob"
	"github.com/faultline/faultline/ingest/promreg"
	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
)

// API serves /api/0/.
type API struct {
	db       *metadata.DB
	events   *analytics.Store
	lookup   eventLookup  // events by id
	health   sessionStore // release health; events
	access   accessStore
	finder   *issues.Finder  // issue search and detail
	editor   *issues.Editor  // issue changes, deletes and merges
	details  *issues.Details // an issue's events, tags, counts and comments
	perf     *performance.Service
	monitors *monitors.Service
	alerts   *alerts.Service
	releases *releases.Service
	repos    repoStore // repositories that releases' refs name
	audits   auditStore
	blobs    blob.Store
	bundles  *assembler // source map uploads
	opts     Options
	logins   *throttle // password attempts per account and per client
	// Account emails per address and per client.
	mailsTo, mailsFrom *throttle
	mail               *accountMail
	refusals           *prometheus.CounterVec // account requests refused, by reason
	log                *slog.Logger
	sso                map[string]*ssoClient // single sign-on providers by slug

	statusCache pageCache
	shares      *throttle // public share link lookups per client
}

// Options are the API's settings.
type Options struct {
	PublicURL     string       // the server's base URL, for DSNs and links
	Registration  bool         // anyone may create an account
	SecureCookies bool         // the public URL is https
	Mailer        *mail.Mailer // sends resets and invitations; may be unconfigured
	SecretKey     string       // seals two-factor secrets
	// MonitorHostCheck refuses monitor targets the checks would refuse
	// (private addresses), so a user hears of it when saving the monitor.
	MonitorHostCheck func(host string) error
	// MaxEventLife is how long events are kept (FAULTLINE_MAX_EVENT_LIFE_DAYS):
	// statsPeriod, start and end reach no further back. DefaultMaxEventLife
	// when zero.
	MaxEventLife time.Duration
	// SSO are the OpenID Connect providers people may sign in with.
	SSO []SSOProvider
	// Registerer takes the API's metrics; nil registers them nowhere.
	Registerer prometheus.Registerer
}

// NewAPI returns the /api/0/ handlers; attachments are read from blobs,
// and uploaded source maps kept there.
func NewAPI(db *metadata.DB, events *analytics.Store, blobs blob.Store, opts Options, log *slog.Logger) *API {
	if opts.Mailer == nil {
		opts.Mailer = &mail.Mailer{}
	}
	reg := promreg.Or(opts.Registerer)
	return &API{db: db, events: events, lookup: events, health: events, blobs: blobs, opts: opts, refusals: newAuthRefusals(reg), log: log, access: db, repos: db, audits: db,
		finder: issues.NewFinder(db, db, events), editor: issues.NewEditor(db, db), details: issues.NewDetails(events, db), perf: performance.New(events),
		monitors: monitors.New(db, events), releases: releases.New(db, events, db), alerts: alerts.New(db, db, alerts.HostCheck(opts.MonitorHostCheck)),
		// Five failed password attempts per account or client in 15 minutes, then a wait.
		logins: newThrottle(5, 15*time.Minute, 100_000),
		// Three account emails per address, ten per client, an hour.
		mailsTo: newThrottle(3, time.Hour, 100_000), mailsFrom: newThrottle(10, time.Hour, 100_000),
		sso: newSSOClients(opts.SSO), mail: newAccountMail(opts.Mailer, newAccountMails(reg), log), bundles: newAssembler(db, blobs, reg, log)}
}

// Register mounts the API and the dashboard (RegisterOps mounts health,
// readiness and metrics).
func (a *API) Register(app *fiber.App) {
	registerDashboard(app)
	app.Use("/api/0/", checkInput)

	// Routes that need no account come before the authenticating group;
	// those that take credentials take same-site JSON only (login CSRF).
	app.Post("/api/0/auth/login/", a.sameSiteJSON, a.login)
	app.Post("/api/0/auth/register/", a.sameSiteJSON, a.register)
	// A login's second step with a security key (the password step's loginToken).
	app.Post("/api/0/auth/webauthn/begin/", a.sameSiteJSON, a.beginKeyLogin)
	app.Post("/api/0/auth/webauthn/finish/", a.sameSiteJSON, a.finishKeyLogin)
	app.Get("/api/0/openapi.json", openAPIDocument)
	app.Post("/api/0/auth/password-reset/", a.sameSiteJSON, a.requestPasswordReset)
	app.Post("/api/0/auth/password-reset/confirm/", a.sameSiteJSON, a.confirmPasswordReset)
	app.Post("/api/0/auth/verify-email/", a.sameSiteJSON, a.verifyEmail)
	// Single sign-on: the login page's buttons, the link of an identity to
	// an existing account (its password), and the browser's round trip
	// through the provider (outside /api/0/: pages, not JSON).
	app.Get("/api/0/auth/providers/", a.listSSOProviders)
	app.Post("/api/0/auth/sso/link/", a.sameSiteJSON, a.confirmSSOLink)
	app.Get("/auth/sso/:provider/login", a.ssoLogin)
	app.Get("/auth/sso/:provider/callback", a.ssoCallback)
	// A heartbeat monitor's secret URL, called by users' jobs.
	app.Post("/api/0/organizations/:org/heartbeat_check/:endpoint_id/", a.heartbeat)
	app.Get("/api/0/organizations/:org/heartbeat_check/:endpoint_id/", a.heartbeat)
	// Public status pages: their JSON, and a short URL for the page itself.
	app.Get("/api/0/status-pages/:org/:slug/", a.publicStatusPage)
	app.Get("/status/:org/:slug", func(c *fiber.Ctx) error {
		return c.Redirect("/app/status/"+c.Params("org")+"/"+c.Params("slug"), fiber.StatusFound)
	})

	a.registerShared(app)

	api := app.Group("/api/0", a.authenticate)
	api.Get("/", a.root)
	api.Post("/auth/logout/", a.logout)
	api.Put("/users/me/password/", a.changePassword)
	api.Post("/users/me/verify-email/", a.sendVerification)
	api.Post("/users/me/2fa/", a.startTwoFactor)
	api.Post("/users/me/2fa/confirm/", a.confirmTwoFactor)
	api.Delete("/users/me/2fa/", a.disableTwoFactor)
	api.Get("/users/me/webauthn/", a.listSecurityKeys)
	api.Post("/users/me/webauthn/register/begin/", a.beginKeyRegistration)
	api.Post("/users/me/webauthn/register/finish/", a.finishKeyRegistration)
	api.Delete("/users/me/webauthn/:id/", a.deleteSecurityKey)
	api.Get("/api-tokens/", a.listTokens)
	api.Post("/api-tokens/", a.createToken)
	api.Delete("/api-tokens/:id/", a.deleteToken)
	api.Get("/organizations/", a.listOrganizations)
	api.Post("/organizations/", a.createOrganization)
	api.Get("/organizations/:org/", a.organization)
	api.Put("/organizations/:org/", a.updateOrganization)
	api.Delete("/organizations/:org/", a.deleteOrganization)
	api.Get("/organizations/:org/users/", a.orgUsers)
	api.Get("/organizations/:org/audit-logs/", a.auditLogs)
	api.Get("/organizations/:org/eventids/:event_id/", a.orgEventID)
	api.Get("/organizations/:org/members/", a.listMembers)
	api.Post("/organizations/:org/members/", a.invite)
	api.Put("/organizations/:org/members/:member_id/", a.updateMember)
	api.Delete("/organizations/:org/members/:member_id/", a.removeMember)
	api.Post("/accept-invite/:token/", a.acceptInvite)
	api.Get("/organizations/:org/teams/", a.listTeams)
	api.Post("/organizations/:org/teams/", a.createTeam)
	api.Get("/teams/:org/:team/", a.getTeam)
	api.Put("/teams/:org/:team/", a.updateTeam)
	api.Post("/teams/:org/:team/projects/", a.createTeamProject)
	api.Delete("/teams/:org/:team/", a.deleteTeam)
	api.Post("/organizations/:org/members/:member_id/teams/:team/", a.teamMember(true))
	api.Delete("/organizations/:org/members/:member_id/teams/:team/", a.teamMember(false))
	api.Get("/projects/:org/:project/teams/", a.projectTeams)
	api.Post("/projects/:org/:project/teams/:team/", a.projectTeam(true))
	api.Delete("/projects/:org/:project/teams/:team/", a.projectTeam(false))
	api.Get("/projects/", a.listUserProjects)
	api.Get("/organizations/:org/projects/", a.listProjects)
	api.Post("/organizations/:org/projects/", a.createProject)
	api.Get("/projects/:org/:project/", a.project)
	api.Put("/projects/:org/:project/", a.updateProject)
	api.Delete("/projects/:org/:project/", a.deleteProject)
	api.Get("/projects/:org/:project/keys/", a.listKeys)
	api.Post("/projects/:org/:project/keys/", a.createKey)
	api.Put("/projects/:org/:project/keys/:key_id/", a.updateKey)
	api.Delete("/projects/:org/:project/keys/:key_id/", a.deleteKey)
	a.registerIssues(api)
	a.registerIssueDetails(api)
	a.registerPerformance(api)
	api.Get("/organizations/:org/stats_v2/", a.usageStats)
	api.Get("/organizations/:org/events-stats/", a.eventsStats)
	api.Get("/organizations/:org/events/", a.discover)
	api.Get("/organizations/:org/sessions/", a.sessionStats)
	a.registerMonitors(api)
	a.registerAlerts(api)
	a.registerReleases(api)
	a.registerRepos(api)
	api.Get("/organizations/:org/quotas/", a.quotas)
	api.Put("/organizations/:org/quotas/", a.quotas)
	api.Get("/organizations/:org/status-pages/", a.listStatusPages)
	api.Post("/organizations/:org/status-pages/", a.saveStatusPage)
	api.Put("/organizations/:org/status-pages/:slug/", a.saveStatusPage)
	api.Delete("/organizations/:org/status-pages/:slug/", a.deleteStatusPage)
	api.Get("/projects/:org/:project/events/:event_id/", a.projectEvent)
	api.Get("/projects/:org/:project/events/:event_id/attachments/", a.eventAttachments)
	api.Get("/projects/:org/:project/events/:event_id/attachments/:id/", a.attachment)
	a.registerArtifacts(api)
	api.Use(func(c *fiber.Ctx) error {
		return fiber.NewError(fiber.StatusNotFound, "no API route "+c.Method()+" "+c.Path())
	})
}

const principalKey = "principal"

func principal(c *fiber.Ctx) metadata.Principal {
	p, _ := c.Locals(principalKey).(metadata.Principal)
	return p
}

// requireScope answers 403 unless the token holds scope.
func requireScope(c *fiber.Ctx, scope string) error {
	if !principal(c).HasScope(scope) {
		return fiber.NewError(fiber.StatusForbidden, "this token lacks the "+scope+" scope")
	}
	return nil
}

func (a *API) root(c *fiber.Ctx) error {
	p := principal(c)
	return c.JSON(fiber.Map{
		"version": "0",
		"user":    fiber.Map{"id": itoa(p.UserID), "email": p.Email, "emailVerified": p.EmailVerified},
		"auth":    fiber.Map{"scopes": p.Scopes},
	})
}

// loadProject finds the project in the URL among those the caller may read
// events of.
func (a *API) loadProject(c *fiber.Ctx) (metadata.Project, error) {
	return a.projectAllowing(c, "event:read")
}
