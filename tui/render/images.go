package render

import (
	"strings"

	"github.com/berth-dev/berth/k8s"
)

// ImageColumns are the image lines of an environment: which workload or
// job runs which image, and the digest it is pinned to.
func ImageColumns() []Column {
	return []Column{
		{Title: "WORKLOAD", Name: true, Flex: true, Min: 20, Want: 30, Max: 60},
		{Title: "IMAGE", Name: true, Flex: true, Min: 20, Want: 50},
		{Title: "DIGEST", Drop: 1},
	}
}

// ImageRows are the images of workloads and jobs, one row per image: the
// reference without its digest, and the digest shortened to 12 hex
// digits ("not pinned" when the spec names no digest).
func ImageRows(ws []k8s.Workload, js []k8s.Job) []Row {
	var rows []Row
	add := func(owner string, images []string) {
		for _, im := range images {
			ref, digest, pinned := strings.Cut(im, "@")
			kind := KindNormal
			switch {
			case !pinned:
				digest, kind = "not pinned", KindDim
			case len(digest) > len("sha256:")+12:
				digest = digest[:len("sha256:")+12]
			}
			rows = append(rows, Row{Cells: []string{owner, ref, digest}, Kind: kind})
		}
	}
	for _, w := range ws {
		add(w.Kind+"/"+w.Name, w.Images)
	}
	for _, j := range js {
		add("Job/"+j.Name, j.Images)
	}
	return rows
}
