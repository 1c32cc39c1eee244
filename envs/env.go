package envs

import (
	"fmt"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/meta"
)

// Overrides are command-line choices that win over git and berth.yaml.
type Overrides struct {
	Branch string // --branch: instead of git's HEAD
	Tag    string // --tag: image tag instead of the branch slug
	Owner  string // instead of git user.email (e.g. the kube user)
	PR     int    // pull request deployed for (--pr, GitHub Actions); 0: none
}

// Env is one branch's dev environment, resolved from config, git and flags.
type Env struct {
	Namespace string
	Project   string
	Branch    string // raw branch name (annotation)
	Slug      string // label-safe branch slug (label)
	Owner     string // may be ""
	Tag       string // image tag of the app's own images
	// ImageTags are tags of single own images (name as the tree lists
	// it, e.g. shop-web) over Tag: their content tags (package images).
	ImageTags  map[string]string
	Commit     string // may be ""
	CreatedAt  time.Time
	LastDeploy time.Time
	ExpiresAt  time.Time // zero: never (ttl 0)
	PR         int       // pull request deployed for; 0: none
	// DeveloperGroup gets full rights inside the namespace (envs/rbac.go);
	// "" means DefaultDeveloperGroup.
	DeveloperGroup string
}

// validTag reports whether s is a valid OCI image tag:
// [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}.
func validTag(s string) bool {
	if s == "" || len(s) > 128 || s[0] == '.' || s[0] == '-' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-') {
			return false
		}
	}
	return true
}

// Resolve computes the environment of the current branch at time now: the
// branch from o.Branch or git (the short commit when detached), owner from
// o.Owner or git user.email, tag from o.Tag or the branch slug. An up
// extends the lifetime: ExpiresAt is now + cfg.TTL. CreatedAt is now; use
// WithExisting to keep the creation time of an existing environment.
func Resolve(cfg Config, git GitInfo, o Overrides, now time.Time) (Env, error) {
	branch := o.Branch
	if branch == "" {
		branch = git.Branch
	}
	if branch == "" {
		return Env{}, fmt.Errorf("no branch: HEAD has none and --branch is not set")
	}
	if cfg.Project == "" {
		return Env{}, fmt.Errorf("no project name: set project in %s", ConfigFile)
	}
	now = now.UTC().Truncate(time.Second)
	e := Env{
		Namespace:  Namespace(cfg.Prefix, cfg.Project, branch),
		Project:    cfg.Project,
		Branch:     branch,
		Slug:       BranchSlug(branch),
		Owner:      o.Owner,
		Tag:        o.Tag,
		PR:         o.PR,
		Commit:     git.Commit,
		CreatedAt:  now,
		LastDeploy: now,
	}
	e.DeveloperGroup = cfg.DeveloperGroup
	if e.Owner == "" {
		e.Owner = git.UserEmail
	}
	if e.Tag == "" {
		e.Tag = e.Slug
	}
	if !validTag(e.Tag) {
		return Env{}, fmt.Errorf("image tag %q: want letters, digits, '_', '.', '-' (at most 128, not starting with '.' or '-')", e.Tag)
	}
	if cfg.TTL > 0 {
		e.ExpiresAt = now.Add(time.Duration(cfg.TTL))
	}
	return e, nil
}

// WithExisting keeps the creation time recorded on an existing
// environment's namespace (its annotations), if there is a valid one.
func (e Env) WithExisting(annotations map[string]string) Env {
	if t, err := time.Parse(time.RFC3339, annotations[meta.AnnotationCreatedAt]); err == nil && t.Before(e.CreatedAt) {
		e.CreatedAt = t.UTC()
	}
	return e
}

// ObjectLabels are the labels on every object of the environment.
func (e Env) ObjectLabels() map[string]string {
	return map[string]string{
		meta.LabelManagedBy: meta.ManagedByBerth,
		meta.LabelProject:   e.Project,
		meta.LabelEnv:       e.Namespace,
	}
}

// Labels are the labels of the environment's namespace.
func (e Env) Labels() map[string]string {
	l := e.ObjectLabels()
	l[meta.LabelBranch] = e.Slug
	return l
}

// Annotations are the annotations of the environment's namespace.
func (e Env) Annotations() map[string]string {
	a := map[string]string{
		meta.AnnotationBranch:     e.Branch,
		meta.AnnotationCreatedAt:  e.CreatedAt.Format(time.RFC3339),
		meta.AnnotationLastDeploy: e.LastDeploy.Format(time.RFC3339),
	}
	if e.Owner != "" {
		a[meta.AnnotationOwner] = e.Owner
	}
	if e.Commit != "" {
		a[meta.AnnotationCommit] = e.Commit
	}
	if !e.ExpiresAt.IsZero() {
		a[meta.AnnotationExpiresAt] = e.ExpiresAt.Format(time.RFC3339)
	}
	if e.PR > 0 {
		a[meta.AnnotationPullRequest] = strconv.Itoa(e.PR)
	}
	return a
}

// NamespaceObject returns the environment's namespace with its labels and
// annotations, ready for server-side apply.
func (e Env) NamespaceObject() *corev1.Namespace {
	return &corev1.Namespace{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: metav1.ObjectMeta{
			Name:        e.Namespace,
			Labels:      e.Labels(),
			Annotations: e.Annotations(),
		},
	}
}
