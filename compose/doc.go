// Package compose turns a docker-compose application into a kustomize tree:
// Load reads the compose files the way docker compose does, Convert maps the
// project to a kustomize base plus dev and prod overlays, and Base.Write puts
// that tree on disk atomically without clobbering files edited by hand.
package compose
