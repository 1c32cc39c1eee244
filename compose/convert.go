package compose

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// FileReader reads the files a project references: bind-mounted files,
// secrets, configs and env files. Paths are absolute.
type FileReader interface {
	ReadFile(name string) ([]byte, error)
	Stat(name string) (fs.FileInfo, error)
	ReadDir(name string) ([]fs.DirEntry, error)
}

// osFiles reads from the local disk.
type osFiles struct{}

func (osFiles) ReadFile(n string) ([]byte, error)       { return os.ReadFile(n) }
func (osFiles) Stat(n string) (fs.FileInfo, error)      { return os.Stat(n) }
func (osFiles) ReadDir(n string) ([]fs.DirEntry, error) { return os.ReadDir(n) }

// Options tune Convert.
type Options struct {
	// Files reads referenced files; nil reads the local disk.
	Files FileReader
	// MaxConfigDirBytes and MaxConfigDirFiles bound the bind-mounted
	// directories turned into ConfigMaps (defaults 256 KiB and 64 files).
	MaxConfigDirBytes int64
	MaxConfigDirFiles int
	// WaitInit adds init containers that wait for each dependency's TCP
	// port, for users applying the base without berth up.
	WaitInit bool
	// Objects keeps each service's objects in Base.Services (what berth up
	// reads in changed mode); `berth convert` needs only the files.
	Objects bool
}

// Base is a converted project: a kustomize base and overlays, not yet on disk.
type Base struct {
	// Files maps slash-separated paths relative to the output directory
	// (base/kustomization.yaml, base/<service>.yaml, overlays/dev/...) to
	// their content.
	Files map[string][]byte
	// Warnings lists compose keys that were not mapped or changed meaning.
	Warnings []Warning
	// Builds are the images the app builds from source (see Build).
	Builds []Build
	// Services maps each service's meta.LabelService value to the base
	// file holding its objects and the build context its workloads name.
	Services map[string]ServiceFile
}

// ServiceFile is where a service's objects are in a Base.
type ServiceFile struct {
	File    string // e.g. base/web.yaml
	Context string // meta.AnnotationBuildContext of its workloads; "" for none
	// Objects are the file's objects, in its order (not to be changed),
	// with Options.Objects.
	Objects []*unstructured.Unstructured
}

// Paths returns the file paths of b in sorted order.
func (b *Base) Paths() []string {
	return sortedKeys(b.Files)
}

// converter holds the state of one Convert call.
type converter struct {
	p     *types.Project
	o     Options
	fs    FileReader
	warn  *warnings
	top   volumeExt
	plans map[string]*plan // by compose service name
	order []string         // sorted compose service names

	files      map[string][]byte // generator sources under base/
	cmGens     map[string]*generator
	secretGens map[string]*generator
	pvcs       map[string]*pvcPlan // by compose volume name
	images     map[string]map[string]bool
	k8sNames   map[string]string // k8s object name -> compose service name
	// dockerfiles caches what each service's Dockerfile copies (nil: unreadable)
	dockerfiles map[string]*imageFiles
}

// Convert maps a loaded compose project to a kustomize tree. It is
// deterministic: the same project and files give byte-identical output.
// Convert reads the files the project references but writes nothing.
func Convert(p *types.Project, o Options) (*Base, error) {
	if p == nil {
		return nil, fmt.Errorf("convert: no project")
	}
	if o.Files == nil {
		o.Files = osFiles{}
	}
	if o.MaxConfigDirBytes <= 0 {
		o.MaxConfigDirBytes = 256 << 10
	}
	if o.MaxConfigDirFiles <= 0 {
		o.MaxConfigDirFiles = 64
	}
	c := &converter{
		p:          p,
		o:          o,
		fs:         newCachedFiles(o.Files),
		files:      map[string][]byte{},
		cmGens:     map[string]*generator{},
		secretGens: map[string]*generator{},
		pvcs:       map[string]*pvcPlan{},
		images:     map[string]map[string]bool{},
		k8sNames:   map[string]string{},
		plans:      map[string]*plan{},

		dockerfiles: map[string]*imageFiles{},
	}
	display := func(f string) string { return relFile(p.WorkingDir, f) }
	c.warn = &warnings{pos: newPositions(p.ComposeFiles, o.Files.ReadFile, display)}
	if err := decodeExt(p.Extensions, &c.top); err != nil {
		c.warn.add("", extensionKey, "ignored: %v", err)
		c.top = volumeExt{}
	}
	if len(p.Services) == 0 {
		return nil, fmt.Errorf("convert: project %q has no services (check --profile)", p.Name)
	}
	c.order = sortedKeys(p.Services)
	if err := c.planServices(); err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	docs := make([][]any, len(c.order))
	for i, name := range c.order {
		objs, err := c.serviceObjects(c.plans[name])
		if err != nil {
			return nil, fmt.Errorf("convert service %s: %w", name, err)
		}
		docs[i] = objs
	}
	rendered, objects, err := renderAll(docs, o.Objects)
	if err != nil {
		return nil, fmt.Errorf("convert service %s: %w", c.order[len(rendered)], err)
	}
	services := make(map[string]ServiceFile, len(c.order))
	for i, name := range c.order {
		pl := c.plans[name]
		out["base/"+pl.file] = withHeader(rendered[i])
		sf := ServiceFile{File: "base/" + pl.file, Objects: objects[i]}
		if pl.s.Build != nil {
			sf.Context = c.buildContext(pl.s.Build)
		}
		if _, dup := services[labelValue(pl.name)]; dup {
			sf = ServiceFile{} // two services, one label: neither is told apart
		}
		services[labelValue(pl.name)] = sf
	}
	shared, err := c.sharedObjects()
	if err != nil {
		return nil, fmt.Errorf("convert: %w", err)
	}
	if shared != nil {
		b, err := renderObjects(shared)
		if err != nil {
			return nil, fmt.Errorf("convert: %w", err)
		}
		out["base/"+sharedFile] = withHeader(b)
	}
	c.projectWarnings()
	kb, err := c.baseKustomization(out)
	if err != nil {
		return nil, fmt.Errorf("convert: %w", err)
	}
	out["base/kustomization.yaml"] = withHeader(kb)
	for p, b := range c.files {
		out["base/"+p] = b
	}
	ov, err := c.overlays()
	if err != nil {
		return nil, fmt.Errorf("convert: %w", err)
	}
	for p, b := range ov {
		out[p] = withHeader(b)
	}
	return &Base{Files: out, Warnings: c.warn.sorted(), Builds: c.builds(), Services: services}, nil
}

// sharedFile holds objects shared by several services (PVCs).
const sharedFile = "shared.yaml"

// relToProject makes an absolute path relative to the project directory
// (slash separated) for output; paths outside it are returned cleaned.
func (c *converter) relToProject(p string) string {
	if c.p.WorkingDir != "" && filepath.IsAbs(p) {
		if r, err := filepath.Rel(c.p.WorkingDir, p); err == nil {
			return filepath.ToSlash(r)
		}
	}
	return path.Clean(filepath.ToSlash(p))
}

// inProject reports whether p is inside the project directory.
func (c *converter) inProject(p string) bool {
	r := c.relToProject(p)
	return r != ".." && !strings.HasPrefix(r, "../") && !filepath.IsAbs(r) && !strings.HasPrefix(r, "/")
}

// projectWarnings reports top-level keys berth does not map.
func (c *converter) projectWarnings() {
	for _, n := range sortedKeys(c.p.Networks) {
		nw := c.p.Networks[n]
		if nw.External {
			c.warn.add("", "networks."+n+".external", "external network not mapped: all services share the namespace network; nothing to create")
		}
		if len(nw.Ipam.Config) > 0 || nw.Ipam.Driver != "" {
			c.warn.add("", "networks."+n+".ipam", "not mapped: pods get cluster-assigned addresses")
		}
		if nw.Driver != "" && nw.Driver != "bridge" && nw.Driver != "default" {
			c.warn.add("", "networks."+n+".driver", "not mapped: all services share the namespace network")
		}
	}
	if len(c.p.Models) > 0 {
		c.warn.add("", "models", "not mapped")
	}
}
