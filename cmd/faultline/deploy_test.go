package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The compose file runs commands this binary has, sets only settings it
// reads, and health-checks a route every process serves.
func TestComposeFileMatchesTheBinary(t *testing.T) {
	raw, err := os.ReadFile("../../deploy/compose/compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var compose struct {
		Services map[string]struct {
			Image       string            `yaml:"image"`
			Command     []string          `yaml:"command"`
			Environment map[string]string `yaml:"environment"`
			ReadOnly    bool              `yaml:"read_only"`
			Healthcheck struct {
				Test []string `yaml:"test"`
			} `yaml:"healthcheck"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(raw, &compose); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	var cfg config
	known := map[string]bool{}
	for _, s := range cfg.settings() {
		known[s.env] = true
	}
	roles := map[string]bool{}
	for name, svc := range compose.Services {
		if svc.Image != "faultline:local" {
			continue
		}
		if len(svc.Command) == 0 {
			t.Errorf("%s: no command", name)
			continue
		}
		roles[svc.Command[0]] = true
		var out, errs bytes.Buffer
		if code := run(context.Background(), []string{svc.Command[0], "-h"}, &out, &errs); code == 2 && strings.Contains(errs.String(), "unknown command") {
			t.Errorf("%s: faultline has no command %q", name, svc.Command[0])
		}
		for k := range svc.Environment {
			if !known[k] {
				t.Errorf("%s: FAULTLINE does not read %s", name, k)
			}
		}
		if !svc.ReadOnly {
			t.Errorf("%s: the root file system should be read-only", name)
		}
		if test := svc.Healthcheck.Test; len(test) > 0 && (len(test) < 4 || test[2] != "probe" || !strings.HasSuffix(test[3], "/.well-known/ready")) {
			t.Errorf("%s: health check %v", name, test)
		}
	}
	for _, r := range append([]string{"migrate"}, allRoles...) {
		if !roles[r] {
			t.Errorf("compose runs no %s", r)
		}
	}
}

func TestProbeCommand(t *testing.T) {
	srv := testServer(t)
	waitUntil(t, func() (bool, string) {
		code := run(context.Background(), []string{"probe", "http://" + srv.addr + "/.well-known/ready"}, &bytes.Buffer{}, &bytes.Buffer{})
		return code == 0, fmt.Sprintf("probe of the server: exit %d", code)
	})
	var errs bytes.Buffer
	if code := run(context.Background(), []string{"probe", "http://" + srv.addr + "/nothing-here"}, &bytes.Buffer{}, &errs); code != 1 ||
		!strings.Contains(errs.String(), "answered 404") {
		t.Errorf("probe of a 404: exit %d %s", code, errs.String())
	}
}
