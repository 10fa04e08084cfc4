// Package helm_test renders the Helm chart (with the subset of Helm's
// template functions it uses) and checks every manifest against the
// Kubernetes API types, as `helm template` and `kubectl --dry-run` would.
package helm_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/template"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/yaml"
)

// render runs the chart's templates as Helm would with these values.
func render(t *testing.T, values map[string]any) []string {
	t.Helper()
	var tpl *template.Template
	funcs := template.FuncMap{
		"include": func(name string, data any) (string, error) {
			var b bytes.Buffer
			err := tpl.ExecuteTemplate(&b, name, data)
			return b.String(), err
		},
		"toYaml": func(v any) (string, error) {
			b, err := yaml.Marshal(v)
			return strings.TrimSuffix(string(b), "\n"), err
		},
		"nindent": func(n int, s string) string {
			pad := strings.Repeat(" ", n)
			return "\n" + pad + strings.ReplaceAll(s, "\n", "\n"+pad)
		},
		"quote":      func(v any) string { return fmt.Sprintf("%q", fmt.Sprint(v)) },
		"trunc":      func(n int, s string) string { return s[:min(n, len(s))] },
		"trimSuffix": func(suffix, s string) string { return strings.TrimSuffix(s, suffix) },
	}
	files, err := filepath.Glob("faultline/templates/*")
	if err != nil || len(files) == 0 {
		t.Fatalf("templates: %v", err)
	}
	tpl = template.New("chart").Funcs(funcs).Option("missingkey=error")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tpl.New(filepath.Base(f)).Parse(string(b)); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	data := map[string]any{"Values": values, "Release": map[string]any{"Name": "prod", "Namespace": "monitoring"},
		"Chart": map[string]any{"Name": "faultline", "Version": "0.1.0", "AppVersion": "0.1.0"}}
	var docs []string
	for _, f := range files {
		name := filepath.Base(f)
		if strings.HasPrefix(name, "_") {
			continue
		}
		var b bytes.Buffer
		if err := tpl.ExecuteTemplate(&b, name, data); err != nil {
			t.Fatalf("render %s: %v", name, err)
		}
		for _, doc := range strings.Split(b.String(), "\n---") {
			if strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(doc), "---")) != "" {
				docs = append(docs, doc)
			}
		}
	}
	return docs
}

func values(t *testing.T, edit func(map[string]any)) map[string]any {
	b, err := os.ReadFile("faultline/values.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := yaml.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(v)
	}
	return v
}

func TestChartRendersValidManifests(t *testing.T) {
	docs := render(t, values(t, nil))
	kinds := map[string]int{}
	deployments := map[string]appsv1.Deployment{}
	var hpas []autoscalingv2.HorizontalPodAutoscaler
	var pdbs []policyv1.PodDisruptionBudget
	for _, doc := range docs {
		var head struct{ Kind string }
		if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
			t.Fatalf("not YAML: %v\n%s", err, doc)
		}
		kinds[head.Kind]++
		var obj any
		switch head.Kind {
		case "Deployment":
			obj = &appsv1.Deployment{}
		case "Service":
			obj = &corev1.Service{}
		case "HorizontalPodAutoscaler":
			obj = &autoscalingv2.HorizontalPodAutoscaler{}
		case "PodDisruptionBudget":
			obj = &policyv1.PodDisruptionBudget{}
		case "Job":
			obj = &batchv1.Job{}
		default:
			t.Fatalf("unexpected kind %q", head.Kind)
		}
		// Strict: a misspelt or misplaced field fails, as the API server would refuse it.
		if err := yaml.UnmarshalStrict([]byte(doc), obj); err != nil {
			t.Fatalf("%s does not match the Kubernetes API: %v\n%s", head.Kind, err, doc)
		}
		switch o := obj.(type) {
		case *appsv1.Deployment:
			deployments[o.Name] = *o
		case *autoscalingv2.HorizontalPodAutoscaler:
			hpas = append(hpas, *o)
		case *policyv1.PodDisruptionBudget:
			pdbs = append(pdbs, *o)
		case *batchv1.Job:
			if o.Annotations["helm.sh/hook"] != "pre-install,pre-upgrade" || o.Spec.Template.Spec.Containers[0].Args[0] != "migrate" {
				t.Errorf("the migration job: %+v", o.ObjectMeta)
			}
		}
	}
	if kinds["Deployment"] != 4 || kinds["Job"] != 1 || kinds["PodDisruptionBudget"] != 4 || kinds["HorizontalPodAutoscaler"] != 2 || kinds["Service"] != 4 {
		t.Errorf("kinds %v", kinds)
	}
	for name, d := range deployments {
		c := d.Spec.Template.Spec.Containers[0]
		if c.LivenessProbe == nil || c.LivenessProbe.HTTPGet.Path != "/.well-known/live" || c.ReadinessProbe == nil ||
			c.ReadinessProbe.HTTPGet.Path != "/.well-known/ready" {
			t.Errorf("%s: probes %+v %+v", name, c.LivenessProbe, c.ReadinessProbe)
		}
		if c.Resources.Requests.Cpu().IsZero() || c.Resources.Limits.Memory().IsZero() {
			t.Errorf("%s: resources %+v", name, c.Resources)
		}
		sc := c.SecurityContext
		if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			t.Errorf("%s: security context %+v", name, sc)
		}
		for _, e := range c.Env {
			if strings.Contains(e.Name, "SECRET") || strings.HasSuffix(e.Name, "_URL") && e.Name != "FAULTLINE_URL" {
				if e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil || e.Value != "" {
					t.Errorf("%s: %s is not taken from a Secret", name, e.Name)
				}
			}
		}
		role := d.Spec.Template.Labels["app.kubernetes.io/component"]
		if c.Args[0] != role || d.Spec.Selector.MatchLabels["app.kubernetes.io/component"] != role {
			t.Errorf("%s: runs %v for role %s", name, c.Args, role)
		}
	}
	for _, h := range hpas {
		if _, ok := deployments[h.Spec.ScaleTargetRef.Name]; !ok {
			t.Errorf("HPA %s scales %s, which the chart does not deploy", h.Name, h.Spec.ScaleTargetRef.Name)
		}
		if d := deployments[h.Spec.ScaleTargetRef.Name]; d.Spec.Replicas != nil {
			t.Errorf("%s has both an HPA and fixed replicas", d.Name)
		}
	}
	for _, p := range pdbs {
		matched := false
		for _, d := range deployments {
			if d.Spec.Template.Labels["app.kubernetes.io/component"] == p.Spec.Selector.MatchLabels["app.kubernetes.io/component"] {
				matched = true
			}
		}
		if !matched {
			t.Errorf("PDB %s selects no deployment", p.Name)
		}
	}
}

func TestChartOptions(t *testing.T) {
	docs := render(t, values(t, func(v map[string]any) {
		v["serviceMonitor"].(map[string]any)["enabled"] = true
		v["attachmentsClaim"] = "faultline-attachments"
		v["secrets"].(map[string]any)["smtpURLKey"] = "smtp-url"
	}))
	all := strings.Join(docs, "\n---\n")
	for _, want := range []string{"kind: ServiceMonitor", "path: /metrics", "claimName: faultline-attachments", "key: smtp-url"} {
		if !strings.Contains(all, want) {
			t.Errorf("rendered chart lacks %q", want)
		}
	}
}
