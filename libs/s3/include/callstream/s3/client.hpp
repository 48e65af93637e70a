#pragma once
// An S3 client for the recording archive: objects uploaded from a file with a checksum S3
// verifies (x-amz-checksum-sha256 on a single PUT; Content-MD5 on each part of a multipart
// upload above the threshold), looked up with HEAD, and presigned GETs. Requests are signed by
// libcurl (CURLOPT_AWS_SIGV4); presigned URLs by sigv4.hpp. Any S3-compatible endpoint, buckets
// path-style or virtual-hosted. Blocking: call it from a worker thread.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "callstream/core/result.hpp"
#include "callstream/s3/sigv4.hpp"

namespace callstream::s3 {

struct S3Settings {
  std::string endpoint;  // https://s3.us-east-1.amazonaws.com, http://127.0.0.1:9000
  std::string bucket;
  std::string region = "us-east-1";
  Credentials credentials;
  bool path_style = false;                    // endpoint/bucket/key, else bucket.endpoint/key
  int64_t multipart_threshold = 64LL << 20;   // files above this go up in parts
  int64_t part_size = 16LL << 20;             // at least 5 MiB (S3's minimum but for the last)
  std::chrono::milliseconds timeout{120000};  // one request, whole
};

// A file to upload and what it must be: its size and SHA-256 (32 bytes, as hashed on download).
struct Upload {
  std::string path;
  int64_t size = 0;
  std::string sha256;  // raw digest
};

// A file as an Upload: its size and SHA-256, read once; nullopt when it cannot be read.
std::optional<Upload> upload_of(const std::string& path);

struct ObjectInfo {
  int64_t size = 0;
  std::string etag;
  std::string sha256_base64;  // S3's x-amz-checksum-sha256, when it keeps one
};

// Why a request failed: S3's code (SignatureDoesNotMatch, BadDigest...) and whether a retry
// may do better (5xx, 429, no answer).
struct S3Error {
  int http_status = 0;
  std::string code;
  std::string message;
  bool retryable = false;
};

// Why the object a HEAD saw (`seen`) is not `file` as put() stored it (`stored`): its size, its
// SHA-256 when S3 keeps one, else its ETag. nullopt when it is the same object.
std::optional<std::string> mismatch(const ObjectInfo& seen, const Upload& file,
                                    const ObjectInfo& stored);

class S3Client {
 public:
  explicit S3Client(S3Settings settings);

  // PUT (or a multipart upload, above the threshold) of `file` as `key`.
  core::Result<ObjectInfo, S3Error> put(const std::string& key, const Upload& file) const;
  // HEAD of `key` (its checksum asked for); nullopt when there is no such object.
  core::Result<std::optional<ObjectInfo>, S3Error> head(const std::string& key) const;
  // A GET of `key` that anyone holding the URL may make for `expires` from `now`.
  std::string presigned_get(const std::string& key, std::chrono::seconds expires,
                            int64_t now_unix) const;
  // scheme://host of the objects' URLs (the bucket's host when virtual-hosted), for a CSP.
  std::string origin() const { return scheme_ + "://" + host_; }
  // s3://bucket/key, as the read model records it.
  std::string location(const std::string& key) const;

 private:
  std::string url(const std::string& key, const std::string& query = "") const;
  core::Result<ObjectInfo, S3Error> put_multipart(const std::string& key, const Upload& file) const;

  S3Settings settings_;
  std::string scheme_, host_;  // from the endpoint
};

}  // namespace callstream::s3
