// Package compose turns a docker-compose application into a kustomize tree:
// Load reads the compose files the way docker compose does, Convert maps the
// project to a kustomize base plus dev and prod overlays, and Base.Write puts
// that tree on disk atomically without clobbering files edited by hand.
//
// What compose cannot say is read from an x-berth extension:
//
//	x-berth:                       # top level: defaults for named volumes
//	  size: 5Gi
//	  storageClass: fast
//	services:
//	  web:
//	    x-berth:
//	      type: LoadBalancer       # ClusterIP, NodePort, LoadBalancer, Headless (dev overlay: ClusterIP)
//	      nodePort: 30080
//	      ingress: web.example.com # or {host, path, tlsSecret, className}; false: none
//	      controller: statefulset  # deployment, statefulset, daemonset, job
//	      phase: pre-deploy        # makes it a Job run before (or post-deploy: after) rollout
//	      replicas: {dev: 1, prod: 3}   # or a number for both overlays
//	      volumeSize: 2Gi          # default size of its named volumes
//	      storageClass: fast
//	      imagePullPolicy: Always
//	volumes:
//	  data:
//	    x-berth: {size: 20Gi, storageClass: fast, accessMode: ReadWriteMany}
//
// kompose's labels (kompose.service.type, kompose.service.expose,
// kompose.service.expose.tls-secret, kompose.service.expose.ingress-class-name,
// kompose.service.nodeport.port, kompose.controller.type, kompose.volume.size,
// kompose.volume.storage-class-name, kompose.image-pull-policy) are honoured
// when x-berth does not say otherwise.
//
// External volumes (external: true) get no claim in the base or the prod
// overlay, which refer to the existing one (named after the volume's name);
// the dev overlay creates an empty claim for each, marked with
// meta.AnnotationExternalVolume. NodePort and LoadBalancer Services stay so in
// base and prod; the dev overlay patches them to ClusterIP.
//
// The Service of a service publishing `ports:` without an ingress is marked
// with meta.AnnotationPublishedPort (its first HTTP-capable TCP port): with a
// domain in berth.yaml, `berth up` gives it an Ingress on the env's host.
// `ingress: false` (kompose.service.expose: "false") opts out.
//
// Generated objects carry the labels and annotations of package meta, the
// contract `berth up` reads.
package compose
