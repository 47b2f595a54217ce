// Package cache is the build cache: a step's key is its parent's chain id, the
// instruction after expansion (plus whatever else decides its result, such as
// the environment of a RUN) and, for COPY/ADD, a digest of the files it reads.
// A hit names the layer the step produced last time, so the step is skipped.
//
// Records live in the store: the value kept under a key is the digest of a
// small JSON blob (Record), so pruning the store drops records whose blob it
// removed, and a record never outlives what it points at unnoticed.
package cache

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// MediaType is the media type of a cache record blob.
const MediaType = "application/vnd.hull.build-cache.v1+json"

// Backend is the part of the store the cache needs.
type Backend interface {
	CacheGet(key string) (string, bool)
	CachePut(key, value string) error
	PutBlob(r io.Reader, mediaType string) (ocispec.Descriptor, error)
	OpenBlob(d digest.Digest) (io.ReadCloser, error)
}

// Record is what a step produced: its layer blob and the layer's diffID.
type Record struct {
	Layer  ocispec.Descriptor `json:"layer"`
	DiffID digest.Digest      `json:"diffID"`
}

// Cache looks steps up in a Backend. With Disabled set, lookups always miss
// but results are still recorded (as docker's --no-cache does).
type Cache struct {
	b        Backend
	Disabled bool
}

// New returns a cache over b.
func New(b Backend, disabled bool) *Cache { return &Cache{b: b, Disabled: disabled} }

// Key combines what decides a step's result into one string.
func Key(parentChain digest.Digest, instruction string, files digest.Digest) string {
	// digest.FromString keeps keys short and free of the instruction's newlines.
	return digest.FromString(fmt.Sprintf("v1\x00%s\x00%s\x00%s", parentChain, instruction, files)).String()
}

// Get returns the record for key, if any.
func (c *Cache) Get(key string) (Record, bool) {
	if c.Disabled {
		return Record{}, false
	}
	v, ok := c.b.CacheGet(key)
	if !ok {
		return Record{}, false
	}
	d, err := digest.Parse(v)
	if err != nil {
		return Record{}, false
	}
	rc, err := c.b.OpenBlob(d)
	if err != nil {
		return Record{}, false
	}
	defer rc.Close()
	var r Record
	if err := json.NewDecoder(rc).Decode(&r); err != nil || r.DiffID.Validate() != nil || r.Layer.Digest.Validate() != nil {
		return Record{}, false
	}
	return r, true
}

// Put records r under key.
func (c *Cache) Put(key string, r Record) error {
	data, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("cache record: %w", err)
	}
	desc, err := c.b.PutBlob(bytes.NewReader(data), MediaType)
	if err != nil {
		return fmt.Errorf("cache record blob: %w", err)
	}
	if err := c.b.CachePut(key, desc.Digest.String()); err != nil {
		return fmt.Errorf("cache put: %w", err)
	}
	return nil
}
