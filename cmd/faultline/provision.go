package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/faultline/faultline/frontend"
	"github.com/faultline/faultline/metadata"
	"go.yaml.in/yaml/v3"
)

// provisionFile is the file `faultline provision` reads (YAML, or JSON,
// which is YAML too). Every secret can be given inline, or — as a secret
// store mounts them — by the name of an environment variable (…Env) or the
// path of a file (…File); single sign-on client secrets by reference only.
type provisionFile struct {
	Users []struct {
		Email  string `yaml:"email"`
		secret `yaml:",inline"`
	} `yaml:"users"`
	Organizations []struct {
		Slug          string `yaml:"slug"`
		Name          string `yaml:"name"`
		RetentionDays int    `yaml:"retentionDays"`
		Teams         []struct {
			Slug string `yaml:"slug"`
			Name string `yaml:"name"`
		} `yaml:"teams"`
		Projects []struct {
			Slug     string   `yaml:"slug"`
			Name     string   `yaml:"name"`
			Platform string   `yaml:"platform"`
			Teams    []string `yaml:"teams"`
			Alerts   []struct {
				Name            string   `yaml:"name"`
				Triggers        []string `yaml:"triggers"`
				TimespanMinutes int      `yaml:"timespanMinutes"`
				Quantity        int      `yaml:"quantity"`
				IntervalMinutes *int     `yaml:"intervalMinutes"`
				Recipients      []struct {
					Type   string `yaml:"type"`
					URL    string `yaml:"url"`
					secret `yaml:",inline"`
				} `yaml:"recipients"`
			} `yaml:"alerts"`
		} `yaml:"projects"`
		Members []struct {
			Email string   `yaml:"email"`
			Role  string   `yaml:"role"`
			Teams []string `yaml:"teams"`
		} `yaml:"members"`
		// The organization's single sign-on providers: the server reads
		// them at start, beside FAULTLINE_OIDC_PROVIDERS (see provisionSSO).
		SSOProviders []ssoProviderJSON `yaml:"ssoProviders"`
	} `yaml:"organizations"`
	Tokens []struct {
		User      string   `yaml:"user"`
		Name      string   `yaml:"name"`
		Scopes    []string `yaml:"scopes"`
		Value     string   `yaml:"value"`
		ValueEnv  string   `yaml:"valueEnv"`
		ValueFile string   `yaml:"valueFile"`
	} `yaml:"tokens"`
}

// secret is a password or signing secret given inline, by environment
// variable or by file.
type secret struct {
	Password     string `yaml:"password"`
	PasswordEnv  string `yaml:"passwordEnv"`
	PasswordFile string `yaml:"passwordFile"`
	Secret       string `yaml:"secret"`
	SecretEnv    string `yaml:"secretEnv"`
	SecretFile   string `yaml:"secretFile"`
}

// resolve reads a secret from its inline value, variable or file.
func resolve(what, inline, env, file string) (string, error) {
	switch {
	case env != "":
		v, ok := os.LookupEnv(env)
		if !ok || v == "" {
			return "", fmt.Errorf("%s: the environment variable %s is not set", what, env)
		}
		return v, nil
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("%s: %w", what, err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	return inline, nil
}

// readProvisionFile decodes a provisioning file, refusing unknown fields.
func readProvisionFile(path string) (provisionFile, error) {
	var f provisionFile
	raw, err := os.ReadFile(path)
	if err != nil {
		return f, err
	}
	dec := yaml.NewDecoder(strings.NewReader(string(raw)))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return f, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// provisionSSO checks the single sign-on providers of the file's
// organizations as FAULTLINE_OIDC_PROVIDERS's are checked, each being its
// organization's (sign-ups join it with defaultRole), and resolves their
// client secrets. slugs holds the slugs defined already: a provider's slug
// is unique across the variable and the file.
func provisionSSO(f provisionFile, path string, slugs ssoSlugs) ([]frontend.SSOProvider, []error) {
	var out []frontend.SSOProvider
	var errs []error
	for _, o := range f.Organizations {
		for i, p := range o.SSOProviders {
			where := "the provisioning file's organization " + o.Slug
			what := fmt.Sprintf("FAULTLINE_PROVISION_FILE (%s): organization %s: ssoProviders %d (%s)", path, o.Slug, i+1, p.Slug)
			if p.Organization != "" && p.Organization != o.Slug {
				errs = append(errs, fmt.Errorf("%s: organization %q: leave it out, the provider is that of the organization it is listed under", what, p.Organization))
			}
			p.Organization = o.Slug
			sp, perrs := checkSSOProvider(what, where, p, slugs)
			errs = append(errs, perrs...)
			out = append(out, sp)
		}
	}
	return out, errs
}

// loadProvisionSSO reads the single sign-on providers of a provisioning
// file, for the server's settings.
func loadProvisionSSO(path string, slugs ssoSlugs) ([]frontend.SSOProvider, []error) {
	f, err := readProvisionFile(path)
	if err != nil {
		return nil, []error{fmt.Errorf("FAULTLINE_PROVISION_FILE: %w", err)}
	}
	return provisionSSO(f, path, slugs)
}

// loadProvisionPlan reads a provisioning file into a plan, resolving its
// secrets; its single sign-on providers are checked (the server reads
// them at start, see loadProvisionSSO) but are not part of the plan.
func loadProvisionPlan(path string) (metadata.ProvisionPlan, error) {
	var plan metadata.ProvisionPlan
	f, err := readProvisionFile(path)
	if err != nil {
		return plan, err
	}
	if _, errs := provisionSSO(f, path, ssoSlugs{}); len(errs) > 0 {
		return plan, errors.Join(errs...)
	}
	for _, u := range f.Users {
		pw, err := resolve("user "+u.Email+" password", u.Password, u.PasswordEnv, u.PasswordFile)
		if err != nil {
			return plan, err
		}
		plan.Users = append(plan.Users, metadata.ProvisionUser{Email: u.Email, Password: pw})
	}
	for _, o := range f.Organizations {
		org := metadata.ProvisionOrg{Slug: o.Slug, Name: o.Name, RetentionDays: o.RetentionDays}
		for _, t := range o.Teams {
			org.Teams = append(org.Teams, metadata.ProvisionTeam{Slug: t.Slug, Name: t.Name})
		}
		for _, p := range o.Projects {
			proj := metadata.ProvisionProject{Slug: p.Slug, Name: p.Name, Platform: p.Platform, Teams: p.Teams}
			for _, a := range p.Alerts {
				// Left out (zero), timespan and quantity are 1; any other
				// value is the rule's, for Validate to judge.
				rule := metadata.AlertRule{Name: a.Name, Triggers: a.Triggers, TimespanMin: cmp.Or(a.TimespanMinutes, 1),
					Quantity: cmp.Or(a.Quantity, 1), UsersQuantity: 1, IntervalMin: 60, Enabled: true}
				if a.IntervalMinutes != nil {
					rule.IntervalMin = *a.IntervalMinutes
				}
				for _, r := range a.Recipients {
					s, err := resolve("alert "+a.Name+" secret", r.Secret, r.SecretEnv, r.SecretFile)
					if err != nil {
						return plan, err
					}
					rule.Recipients = append(rule.Recipients, metadata.AlertRecipient{Kind: r.Type, URL: r.URL, Secret: s})
				}
				proj.Alerts = append(proj.Alerts, rule)
			}
			org.Projects = append(org.Projects, proj)
		}
		for _, m := range o.Members {
			org.Members = append(org.Members, metadata.ProvisionMember{Email: m.Email, Role: m.Role, Teams: m.Teams})
		}
		plan.Organizations = append(plan.Organizations, org)
	}
	for _, t := range f.Tokens {
		v, err := resolve("token "+t.Name, t.Value, t.ValueEnv, t.ValueFile)
		if err != nil {
			return plan, err
		}
		plan.Tokens = append(plan.Tokens, metadata.ProvisionToken{User: t.User, Name: t.Name, Scopes: t.Scopes, Value: v})
	}
	return plan, nil
}

func provisionCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	var path string
	fs := flag.NewFlagSet("provision", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.register(fs, "database-url", "clickhouse-url", "log-level")
	fs.StringVar(&path, "file", os.Getenv("FAULTLINE_PROVISION_FILE"), "the provisioning file, YAML or JSON (FAULTLINE_PROVISION_FILE)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if path == "" {
		return errors.New("--file: name the provisioning file")
	}
	set, err := cfg.parse()
	if err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	log := newLogger(stderr, set.logLevel)
	db, store, err := openMigrated(ctx, set, log)
	if err != nil {
		return err
	}
	defer db.Close()
	defer store.Close()
	report, err := provision(ctx, db, path)
	if err != nil {
		return err
	}
	printReport(stdout, report)
	return nil
}

func provision(ctx context.Context, db *metadata.DB, path string) (metadata.ProvisionReport, error) {
	plan, err := loadProvisionPlan(path)
	if err != nil {
		return nil, fmt.Errorf("provisioning file: %w", err)
	}
	report, err := db.Provision(ctx, plan)
	if err != nil {
		return nil, fmt.Errorf("provision: %w", err)
	}
	return report, nil
}

// printReport lists what was created and updated, never a secret.
func printReport(w io.Writer, r metadata.ProvisionReport) {
	keys := make([]string, 0, len(r))
	for k := range r {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "%s: %d\n", k, r[k])
	}
	if len(keys) == 0 {
		fmt.Fprintln(w, "nothing to provision")
	}
}
