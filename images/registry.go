package images

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// DefaultCheckParallel is how many registry look-ups run at once.
const DefaultCheckParallel = 16

// Registry looks images up in their registries: a manifest HEAD each,
// with the credentials docker and crane use (the docker config keychain:
// ~/.docker/config.json or $DOCKER_CONFIG, its credential helpers, ECR's
// docker-credential-ecr-login included).
type Registry struct {
	// Keychain finds credentials; nil: authn.DefaultKeychain.
	Keychain authn.Keychain
	// Transport carries the requests; nil: remote's default.
	Transport http.RoundTripper
	// Parallel bounds the look-ups at once; default DefaultCheckParallel.
	Parallel int
}

// Resolve looks up every image of imgs, at most Parallel at once, and
// sets its State (present, missing or error), Digest and Err.
func (r Registry) Resolve(ctx context.Context, imgs []*Image) {
	n := r.Parallel
	if n <= 0 {
		n = DefaultCheckParallel
	}
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for _, im := range imgs {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				im.State, im.Err = StateError, ctx.Err()
				return
			}
			defer func() { <-sem }()
			r.resolve(ctx, im)
		})
	}
	wg.Wait()
}

// resolve looks one image up.
func (r Registry) resolve(ctx context.Context, im *Image) {
	digest, err := r.Head(ctx, im.Ref)
	switch {
	case err == nil:
		im.State, im.Digest, im.Err = StatePresent, digest, nil
	case errors.Is(err, ErrNotFound):
		im.State, im.Digest, im.Err = StateMissing, "", nil
	default:
		im.State, im.Digest, im.Err = StateError, "", err
	}
}

// ErrNotFound is a manifest the registry does not have.
var ErrNotFound = errors.New("not found")

// Head returns the manifest digest of ref (sha256:...), ErrNotFound
// (wrapped) when the registry does not have it.
func (r Registry) Head(ctx context.Context, ref string) (string, error) {
	parsed, err := name.ParseReference(ref)
	if err != nil {
		return "", fmt.Errorf("image %s: %w", ref, err)
	}
	kc := r.Keychain
	if kc == nil {
		kc = authn.DefaultKeychain
	}
	opts := []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(kc)}
	if r.Transport != nil {
		opts = append(opts, remote.WithTransport(r.Transport))
	}
	desc, err := remote.Head(parsed, opts...)
	if err != nil {
		var te *transport.Error
		if errors.As(err, &te) && te.StatusCode == http.StatusNotFound {
			return "", fmt.Errorf("image %s: %w", ref, ErrNotFound)
		}
		return "", fmt.Errorf("image %s: %w", ref, err)
	}
	return desc.Digest.String(), nil
}
