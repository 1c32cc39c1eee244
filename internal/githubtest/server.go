// Package githubtest is a local GitHub REST server for berth's tests: the
// endpoints package preview calls (deployments create and list, deployment
// statuses create and list, issue comments list, create and edit), with
// GitHub's pagination (Link headers, page/per_page), rate-limit headers,
// bearer-token auth, validation errors and faults on demand (5xx, 403
// rate limits, 429 Retry-After). Its answers are the documented example
// objects of testdata/, with the fields a request determines filled in.
package githubtest

import (
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

//go:embed testdata/*.json
var shapes embed.FS

// shape returns a fresh copy of the documented example object in
// testdata/name.json.
func shape(name string) map[string]any {
	raw, err := shapes.ReadFile("testdata/" + name + ".json")
	if err != nil {
		panic(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		panic(err)
	}
	return m
}

// Request is one request the server got, as a test inspects it.
type Request struct {
	Method, Path, Query string
	Body                string
	Authorized          bool // carried "Bearer <token>"
	Status              int  // what the server answered
}

// Fault is an answer the server gives instead of the real one, Times
// times, to requests whose method and path match (empty: any).
type Fault struct {
	Method, PathSuffix string
	Status             int
	Header             map[string]string
	Error              string // a key of testdata/errors.json for the body
	Times              int
}

// Status is a deployment status the server holds.
type Status struct {
	ID                                              int64
	State, Description, EnvironmentURL, LogURL, Env string
}

// Deployment is a deployment the server holds, with its statuses, oldest
// first.
type Deployment struct {
	ID                               int64
	Ref, Task, Environment           string
	Description                      string
	Transient, Production, AutoMerge bool
	RequiredContexts                 []string
	Statuses                         []Status
}

// Comment is an issue comment the server holds.
type Comment struct {
	ID    int64
	Issue int
	Body  string
}

// Server is the fake GitHub API of one repository.
type Server struct {
	URL          string // the API root, GITHUB_API_URL
	Owner, Repo  string
	token        string
	srv          *httptest.Server
	mu           sync.Mutex
	next         int64
	deployments  []*Deployment
	comments     []*Comment
	faults       []*Fault
	requests     []Request
	remaining    int
	reset        time.Time
	defaultPage  int
	maxPage      int
	statusShapes map[int64][]map[string]any
}

// New starts a server for owner/repo accepting token; it stops when the
// test ends.
func New(t testing.TB, owner, repo, token string) *Server {
	s := &Server{Owner: owner, Repo: repo, token: token, next: 1000, remaining: 5000,
		reset: time.Now().Add(time.Hour), defaultPage: 30, maxPage: 100,
		statusShapes: map[int64][]map[string]any{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

// Close stops the server: GitHub is unreachable from then on.
func (s *Server) Close() { s.srv.Close() }

// Fail makes the server answer with f's fault, f.Times times.
func (s *Server) Fail(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// Heal drops the faults not given yet.
func (s *Server) Heal() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// Requests returns every request so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Deployments returns the deployments, oldest first.
func (s *Server) Deployments() []Deployment {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Deployment
	for _, d := range s.deployments {
		c := *d
		c.Statuses = slices.Clone(d.Statuses)
		out = append(out, c)
	}
	return out
}

// Comments returns the comments on issue (pull request) n, oldest first.
func (s *Server) Comments(n int) []Comment {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Comment
	for _, c := range s.comments {
		if c.Issue == n {
			out = append(out, *c)
		}
	}
	return out
}

// AddComment adds a comment to issue n as someone else would.
func (s *Server) AddComment(n int, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	s.comments = append(s.comments, &Comment{ID: s.next, Issue: n, Body: body})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	auth := r.Header.Get("Authorization")
	req := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Body: string(raw),
		Authorized: s.token != "" && (auth == "Bearer "+s.token || auth == "token "+s.token)}
	s.mu.Lock()
	defer s.mu.Unlock()
	status := s.answer(w, r, req, raw)
	req.Status = status
	s.requests = append(s.requests, req)
}

// answer writes the response to r and returns its status.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, req Request, body []byte) int {
	s.rateHeaders(w)
	if f := s.fault(r); f != nil {
		for k, v := range f.Header {
			w.Header().Set(k, v)
		}
		return s.writeError(w, f.Status, f.Error)
	}
	if !req.Authorized {
		return s.writeError(w, http.StatusUnauthorized, "bad_credentials")
	}
	prefix := "/repos/" + s.Owner + "/" + s.Repo + "/"
	rest, ok := strings.CutPrefix(r.URL.Path, prefix)
	if !ok {
		return s.writeError(w, http.StatusNotFound, "not_found")
	}
	if r.Method != http.MethodGet && r.Header.Get("Content-Type") != "application/json" {
		return s.writeError(w, http.StatusUnsupportedMediaType, "not_found")
	}
	parts := strings.Split(rest, "/")
	switch {
	case len(parts) == 1 && parts[0] == "deployments" && r.Method == http.MethodPost:
		return s.createDeployment(w, body)
	case len(parts) == 1 && parts[0] == "deployments" && r.Method == http.MethodGet:
		return s.listDeployments(w, r)
	case len(parts) == 3 && parts[0] == "deployments" && parts[2] == "statuses":
		d := s.deployment(parts[1])
		if d == nil {
			return s.writeError(w, http.StatusNotFound, "not_found")
		}
		if r.Method == http.MethodPost {
			return s.createStatus(w, d, body)
		}
		if r.Method == http.MethodGet {
			return s.listStatuses(w, r, d)
		}
	case len(parts) == 3 && parts[0] == "issues" && parts[2] == "comments":
		n, err := strconv.Atoi(parts[1])
		if err != nil {
			return s.writeError(w, http.StatusNotFound, "not_found")
		}
		if r.Method == http.MethodPost {
			return s.createComment(w, n, body)
		}
		if r.Method == http.MethodGet {
			return s.listComments(w, r, n)
		}
	case len(parts) == 3 && parts[0] == "issues" && parts[1] == "comments" && r.Method == http.MethodPatch:
		return s.editComment(w, parts[2], body)
	}
	return s.writeError(w, http.StatusNotFound, "not_found")
}

// fault returns the next fault for r, counting it down.
func (s *Server) fault(r *http.Request) *Fault {
	for _, f := range s.faults {
		if f.Times > 0 && (f.Method == "" || f.Method == r.Method) && strings.HasSuffix(r.URL.Path, f.PathSuffix) {
			f.Times--
			return f
		}
	}
	return nil
}

// rateHeaders sets GitHub's rate-limit headers and counts the request.
func (s *Server) rateHeaders(w http.ResponseWriter) {
	if s.remaining > 0 {
		s.remaining--
	}
	h := w.Header()
	h.Set("X-RateLimit-Limit", "5000")
	h.Set("X-RateLimit-Remaining", strconv.Itoa(s.remaining))
	h.Set("X-RateLimit-Used", strconv.Itoa(5000-s.remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(s.reset.Unix(), 10))
	h.Set("X-RateLimit-Resource", "core")
	h.Set("X-GitHub-Media-Type", "github.v3; format=json")
}

func (s *Server) writeError(w http.ResponseWriter, status int, key string) int {
	body := map[string]any{"message": http.StatusText(status)}
	if key != "" {
		if e, ok := shape("errors")[key].(map[string]any); ok {
			body = e
		}
	}
	return s.writeJSON(w, status, body)
}

func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) int {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
	return status
}

func (s *Server) api(path string) string {
	return s.URL + "/repos/" + s.Owner + "/" + s.Repo + path
}

func (s *Server) user() map[string]any { return shape("user") }

func (s *Server) at() string { return time.Now().UTC().Format(time.RFC3339) }

// createDeployment: POST /repos/{owner}/{repo}/deployments.
func (s *Server) createDeployment(w http.ResponseWriter, body []byte) int {
	var in struct {
		Ref                   *string   `json:"ref"`
		Task                  *string   `json:"task"`
		AutoMerge             *bool     `json:"auto_merge"`
		RequiredContexts      *[]string `json:"required_contexts"`
		Environment           *string   `json:"environment"`
		Description           *string   `json:"description"`
		TransientEnvironment  *bool     `json:"transient_environment"`
		ProductionEnvironment *bool     `json:"production_environment"`
	}
	if err := json.Unmarshal(body, &in); err != nil || in.Ref == nil || *in.Ref == "" {
		return s.writeError(w, http.StatusUnprocessableEntity, "validation_failed")
	}
	s.next++
	d := &Deployment{ID: s.next, Ref: *in.Ref, Task: deref(in.Task, "deploy"), Environment: deref(in.Environment, "production"),
		Description: deref(in.Description, ""), AutoMerge: derefBool(in.AutoMerge, true)}
	d.Transient = derefBool(in.TransientEnvironment, false)
	d.Production = derefBool(in.ProductionEnvironment, d.Environment == "production")
	if in.RequiredContexts != nil {
		d.RequiredContexts = *in.RequiredContexts
	} else {
		d.RequiredContexts = []string{"(all)"}
	}
	s.deployments = append(s.deployments, d)
	return s.writeJSON(w, http.StatusCreated, s.deploymentJSON(d))
}

func (s *Server) deploymentJSON(d *Deployment) map[string]any {
	m := shape("deployment")
	maps.Copy(m, map[string]any{
		"url": s.api(fmt.Sprintf("/deployments/%d", d.ID)), "id": d.ID, "ref": d.Ref, "sha": d.Ref, "task": d.Task,
		"environment": d.Environment, "original_environment": d.Environment, "description": d.Description,
		"creator": s.user(), "created_at": s.at(), "updated_at": s.at(),
		"statuses_url": s.api(fmt.Sprintf("/deployments/%d/statuses", d.ID)), "repository_url": s.api(""),
		"transient_environment": d.Transient, "production_environment": d.Production,
	})
	return m
}

// listDeployments: GET /repos/{owner}/{repo}/deployments, newest first,
// filtered by environment, ref, sha and task.
func (s *Server) listDeployments(w http.ResponseWriter, r *http.Request) int {
	q := r.URL.Query()
	var items []any
	for _, d := range slices.Backward(s.deployments) {
		if f := q.Get("environment"); f != "" && f != d.Environment {
			continue
		}
		if f := q.Get("ref"); f != "" && f != d.Ref {
			continue
		}
		if f := q.Get("sha"); f != "" && f != d.Ref {
			continue
		}
		if f := q.Get("task"); f != "" && f != d.Task {
			continue
		}
		items = append(items, s.deploymentJSON(d))
	}
	return s.writePage(w, r, items)
}

func (s *Server) deployment(id string) *Deployment {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return nil
	}
	for _, d := range s.deployments {
		if d.ID == n {
			return d
		}
	}
	return nil
}

// validStates are the states GitHub accepts for a deployment status.
var validStates = []string{"error", "failure", "inactive", "in_progress", "queued", "pending", "success"}

// createStatus: POST /repos/{owner}/{repo}/deployments/{id}/statuses.
func (s *Server) createStatus(w http.ResponseWriter, d *Deployment, body []byte) int {
	var in struct {
		State          string `json:"state"`
		Description    string `json:"description"`
		EnvironmentURL string `json:"environment_url"`
		LogURL         string `json:"log_url"`
		Environment    string `json:"environment"`
	}
	if err := json.Unmarshal(body, &in); err != nil || !slices.Contains(validStates, in.State) || len(in.Description) > 140 {
		return s.writeError(w, http.StatusUnprocessableEntity, "validation_failed")
	}
	s.next++
	env := in.Environment
	if env == "" {
		env = d.Environment
	}
	st := Status{ID: s.next, State: in.State, Description: in.Description, EnvironmentURL: in.EnvironmentURL, LogURL: in.LogURL, Env: env}
	d.Statuses = append(d.Statuses, st)
	m := shape("deployment_status")
	maps.Copy(m, map[string]any{
		"url": s.api(fmt.Sprintf("/deployments/%d/statuses/%d", d.ID, st.ID)), "id": st.ID, "state": st.State,
		"creator": s.user(), "description": st.Description, "environment": env, "target_url": st.LogURL,
		"created_at": s.at(), "updated_at": s.at(), "deployment_url": s.api(fmt.Sprintf("/deployments/%d", d.ID)),
		"repository_url": s.api(""), "environment_url": st.EnvironmentURL, "log_url": st.LogURL,
	})
	s.statusShapes[d.ID] = append(s.statusShapes[d.ID], m)
	return s.writeJSON(w, http.StatusCreated, m)
}

// listStatuses: GET /repos/{owner}/{repo}/deployments/{id}/statuses,
// newest first.
func (s *Server) listStatuses(w http.ResponseWriter, r *http.Request, d *Deployment) int {
	var items []any
	for _, m := range slices.Backward(s.statusShapes[d.ID]) {
		items = append(items, m)
	}
	return s.writePage(w, r, items)
}

func (s *Server) commentJSON(c *Comment) map[string]any {
	m := shape("issue_comment")
	maps.Copy(m, map[string]any{
		"id":         c.ID,
		"url":        s.api(fmt.Sprintf("/issues/comments/%d", c.ID)),
		"html_url":   fmt.Sprintf("https://github.com/%s/%s/pull/%d#issuecomment-%d", s.Owner, s.Repo, c.Issue, c.ID),
		"body":       c.Body,
		"user":       s.user(),
		"created_at": s.at(),
		"updated_at": s.at(),
		"issue_url":  s.api(fmt.Sprintf("/issues/%d", c.Issue)),
	})
	return m
}

// listComments: GET /repos/{owner}/{repo}/issues/{n}/comments, oldest
// first.
func (s *Server) listComments(w http.ResponseWriter, r *http.Request, n int) int {
	var items []any
	for _, c := range s.comments {
		if c.Issue == n {
			items = append(items, s.commentJSON(c))
		}
	}
	return s.writePage(w, r, items)
}

// createComment: POST /repos/{owner}/{repo}/issues/{n}/comments.
func (s *Server) createComment(w http.ResponseWriter, n int, body []byte) int {
	var in struct {
		Body *string `json:"body"`
	}
	if err := json.Unmarshal(body, &in); err != nil || in.Body == nil || *in.Body == "" || len(*in.Body) > 65536 {
		return s.writeError(w, http.StatusUnprocessableEntity, "validation_failed")
	}
	s.next++
	c := &Comment{ID: s.next, Issue: n, Body: *in.Body}
	s.comments = append(s.comments, c)
	return s.writeJSON(w, http.StatusCreated, s.commentJSON(c))
}

// editComment: PATCH /repos/{owner}/{repo}/issues/comments/{id}.
func (s *Server) editComment(w http.ResponseWriter, id string, body []byte) int {
	n, _ := strconv.ParseInt(id, 10, 64)
	var in struct {
		Body *string `json:"body"`
	}
	if err := json.Unmarshal(body, &in); err != nil || in.Body == nil || len(*in.Body) > 65536 {
		return s.writeError(w, http.StatusUnprocessableEntity, "validation_failed")
	}
	for _, c := range s.comments {
		if c.ID == n {
			c.Body = *in.Body
			return s.writeJSON(w, http.StatusOK, s.commentJSON(c))
		}
	}
	return s.writeError(w, http.StatusNotFound, "not_found")
}

// writePage writes one page of items (page, per_page: default 30, at most
// 100) with GitHub's Link header.
func (s *Server) writePage(w http.ResponseWriter, r *http.Request, items []any) int {
	q := r.URL.Query()
	per, err := strconv.Atoi(q.Get("per_page"))
	if err != nil || per <= 0 {
		per = s.defaultPage
	}
	per = min(per, s.maxPage)
	page, err := strconv.Atoi(q.Get("page"))
	if err != nil || page <= 0 {
		page = 1
	}
	last := max(1, (len(items)+per-1)/per)
	link := func(p int, rel string) string {
		q := maps.Clone(r.URL.Query())
		q.Set("page", strconv.Itoa(p))
		q.Set("per_page", strconv.Itoa(per))
		u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
		return fmt.Sprintf(`<%s%s>; rel="%s"`, s.URL, u.String(), rel)
	}
	var links []string
	if page < last {
		links = append(links, link(page+1, "next"), link(last, "last"))
	}
	if page > 1 {
		links = append(links, link(1, "first"), link(page-1, "prev"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	from, to := min((page-1)*per, len(items)), min(page*per, len(items))
	out := items[from:to]
	if out == nil {
		out = []any{}
	}
	return s.writeJSON(w, http.StatusOK, out)
}

func deref(p *string, def string) string {
	if p == nil {
		return def
	}
	return *p
}

func derefBool(p *bool, def bool) bool {
	if p == nil {
		return def
	}
	return *p
}
