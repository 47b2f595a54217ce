// Package store is the builder's content-addressed storage: blobs by digest,
// unpacked layers by chain id (ready to be overlay lowerdirs), an index of
// tagged images and the build cache's key/value records.
//
// Layout under the root (default /var/lib/hull/builder):
//
//	blobs/sha256/<hex>    manifests, configs and layer tars, named by their digest
//	layers/sha256/<hex>   one unpacked layer per chain id (overlay whiteouts inside)
//	cache/<sha256(key)>   one build-cache record per file
//	index.json            tagged images (written under the lock, temp + rename)
//	tmp/<pid>-<rand>-*    in-flight writes; renamed into place when complete
//	lock                  flock held while index.json is read-modified-written
//
// Crash safety: nothing becomes visible under its final name before it is
// complete (temp + fsync + rename), deletion renames into tmp/ before removing,
// and tmp/ entries whose writer process is gone are removed by Open and Prune.
// So a build killed at any point leaves at worst garbage in tmp/, never a
// half-written blob, layer or index.
//
// Concurrency: two builder processes may share a store. Equal blobs and layers
// written by both race harmlessly (the loser's rename finds the target present
// and drops its copy); index updates are serialised by the lock file. Prune
// while another process is building may remove blobs that build has written
// but not yet tagged: run prune when no build is in progress.
//
// Contract notes (the builder's storage/frontend API, issue 4): nothing in
// the agreed signatures was changed. Additions beyond them:
//   - layer.Chown{UID, GID int} is the type ExtractArchive's chown takes;
//     layer.Decompress/Detect expose the compression sniffing.
//   - store: ChainID, ChainIDs, NormalizeName ("app" -> "app:latest", the
//     form Tag stores), HasBlob, ReadBlob (digest-checked), PutBlobBytes,
//     Root, ErrNotFound (wrapped by missing blob/image errors), DefaultRoot.
//   - image: DiffLayer (Diff -> gzip -> PutBlob, returns blob + diffID),
//     ParseSource, Image.ChainIDs / TopChainID.
//   - image.Pull does not tag: the caller names the result with Store.Tag.
//   - Image.LayerDirs returns bottom-first; overlay's lowerdir wants the
//     reverse order.
//   - Unpack and ExtractArchive need root (chown, mknod, trusted xattrs).
package store
