#include "callstream/s3/client.hpp"

#include <openssl/evp.h>

#include <cstdio>
#include <memory>
#include <vector>

#include "callstream/http/client.hpp"
#include "digest.hpp"

namespace callstream::s3 {
namespace {

using detail::base64;
using detail::sha256_hex;

// The digest (`md`) of `length` bytes of `path` from `offset`.
std::optional<std::string> digest_of(const std::string& path, int64_t offset, int64_t length,
                                     const EVP_MD* md) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!f || std::fseek(f.get(), static_cast<long>(offset), SEEK_SET) != 0) return std::nullopt;
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), md, nullptr);
  std::vector<char> buf(1 << 16);
  while (length > 0) {
    size_t got = std::fread(buf.data(), 1, std::min<size_t>(buf.size(), length), f.get());
    if (got == 0) return std::nullopt;
    EVP_DigestUpdate(ctx.get(), buf.data(), got);
    length -= static_cast<int64_t>(got);
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &n);
  return std::string(reinterpret_cast<const char*>(digest), n);
}

// A part's Content-MD5.
std::optional<std::string> md5_of(const std::string& path, int64_t offset, int64_t length) {
  return digest_of(path, offset, length, EVP_md5());
}

// The text of <tag> in an S3 XML answer; empty when absent.
std::string xml_field(const std::string& body, const std::string& tag) {
  size_t at = body.find("<" + tag + ">");
  if (at == std::string::npos) return {};
  at += tag.size() + 2;
  size_t end = body.find("</" + tag + ">", at);
  return end == std::string::npos ? std::string() : body.substr(at, end - at);
}

S3Error error_of(const http::ClientResponse& r) {
  S3Error e{r.status, xml_field(r.body, "Code"), xml_field(r.body, "Message"),
            r.status == 0 || r.status == 429 || r.status >= 500};
  if (r.status == 0) e.message = "no answer from S3: " + r.transport_error;
  if (e.code.empty()) e.code = "http_" + std::to_string(r.status);
  return e;
}

}  // namespace

S3Client::S3Client(S3Settings settings) : settings_(std::move(settings)) {
  while (!settings_.endpoint.empty() && settings_.endpoint.back() == '/')
    settings_.endpoint.pop_back();
  size_t colon = settings_.endpoint.find("://");
  scheme_ = colon == std::string::npos ? "https" : settings_.endpoint.substr(0, colon);
  host_ = colon == std::string::npos ? settings_.endpoint : settings_.endpoint.substr(colon + 3);
  if (!settings_.path_style) host_ = settings_.bucket + "." + host_;
}

std::string S3Client::url(const std::string& key, const std::string& query) const {
  std::string path = (settings_.path_style ? "/" + settings_.bucket + "/" : "/") + key;
  return scheme_ + "://" + host_ + uri_encode(path, true) + (query.empty() ? "" : "?" + query);
}

std::string S3Client::location(const std::string& key) const {
  return "s3://" + settings_.bucket + "/" + key;
}

namespace {

constexpr const char* kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// Signed by libcurl. S3 wants the payload claimed in x-amz-content-sha256 (libcurl 7.88 signs
// the header's value but does not add it): the body's SHA-256, or UNSIGNED-PAYLOAD for a file
// streamed up, whose integrity the checksum headers carry instead.
http::ClientRequest signed_request(const S3Settings& s, std::string method, std::string url,
                                   std::string payload_sha256 = kEmptySha256) {
  http::ClientRequest req;
  req.headers.emplace_back("x-amz-content-sha256", std::move(payload_sha256));
  req.method = std::move(method);
  req.url = std::move(url);
  req.aws_sigv4 = "aws:amz:" + s.region + ":s3";
  req.basic_user = s.credentials.access_key_id;
  req.basic_password = s.credentials.secret_access_key;
  if (!s.credentials.session_token.empty())
    req.headers.emplace_back("x-amz-security-token", s.credentials.session_token);
  req.timeout = s.timeout;
  return req;
}

}  // namespace

core::Result<ObjectInfo, S3Error> S3Client::put(const std::string& key, const Upload& file) const {
  if (file.size > settings_.multipart_threshold) return put_multipart(key, file);
  http::ClientRequest req = signed_request(settings_, "PUT", url(key), "UNSIGNED-PAYLOAD");
  req.upload_file = file.path;
  req.upload_length = file.size;
  req.headers.emplace_back("x-amz-checksum-sha256", base64(file.sha256));
  req.headers.emplace_back("Content-Type", "audio/wav");
  http::ClientResponse r = http::exchange(req);
  if (r.status != 200) return std::unexpected(error_of(r));
  return ObjectInfo{file.size, std::string(http::header(r, "etag")), base64(file.sha256)};
}

core::Result<ObjectInfo, S3Error> S3Client::put_multipart(const std::string& key,
                                                          const Upload& file) const {
  http::ClientRequest start = signed_request(settings_, "POST", url(key, "uploads="));
  start.headers.emplace_back("Content-Type", "audio/wav");
  http::ClientResponse r = http::exchange(start);
  std::string upload_id = xml_field(r.body, "UploadId");
  if (r.status != 200 || upload_id.empty()) return std::unexpected(error_of(r));
  const std::string id_query = "uploadId=" + uri_encode(upload_id);
  std::string parts;
  int number = 1;
  for (int64_t offset = 0; offset < file.size; offset += settings_.part_size, ++number) {
    int64_t length = std::min(settings_.part_size, file.size - offset);
    auto md5 = md5_of(file.path, offset, length);
    http::ClientRequest part = signed_request(
        settings_, "PUT", url(key, "partNumber=" + std::to_string(number) + "&" + id_query),
        "UNSIGNED-PAYLOAD");
    part.upload_file = file.path;
    part.upload_offset = offset;
    part.upload_length = length;
    if (md5) part.headers.emplace_back("Content-MD5", base64(*md5));
    http::ClientResponse p = http::exchange(part);
    if (!md5 || p.status != 200) {
      http::exchange(signed_request(settings_, "DELETE", url(key, id_query)));  // abort
      return std::unexpected(md5 ? error_of(p) : S3Error{0, "unreadable", file.path, false});
    }
    parts += "<Part><PartNumber>" + std::to_string(number) + "</PartNumber><ETag>" +
             std::string(http::header(p, "etag")) + "</ETag></Part>";
  }
  std::string complete = "<CompleteMultipartUpload>" + parts + "</CompleteMultipartUpload>";
  http::ClientRequest done =
      signed_request(settings_, "POST", url(key, id_query), sha256_hex(complete));
  done.body = std::move(complete);
  done.headers.emplace_back("Content-Type", "application/xml");
  r = http::exchange(done);
  // S3 may answer 200 with an <Error> in the body when completing fails late.
  if (r.status != 200 || !xml_field(r.body, "Code").empty()) return std::unexpected(error_of(r));
  return ObjectInfo{file.size, xml_field(r.body, "ETag"), ""};
}

core::Result<std::optional<ObjectInfo>, S3Error> S3Client::head(const std::string& key) const {
  http::ClientRequest req = signed_request(settings_, "HEAD", url(key));
  req.headers.emplace_back("x-amz-checksum-mode", "ENABLED");
  http::ClientResponse r = http::exchange(req);
  if (r.status == 404) return std::optional<ObjectInfo>();
  if (r.status != 200) return std::unexpected(error_of(r));
  std::string length(http::header(r, "content-length"));
  return std::optional<ObjectInfo>(
      ObjectInfo{length.empty() ? -1 : std::stoll(length), std::string(http::header(r, "etag")),
                 std::string(http::header(r, "x-amz-checksum-sha256"))});
}

std::string S3Client::presigned_get(const std::string& key, std::chrono::seconds expires,
                                    int64_t now_unix) const {
  SignedRequest get;
  get.host = host_;
  get.path = (settings_.path_style ? "/" + settings_.bucket + "/" : "/") + key;
  return presigned_url(settings_.credentials, {settings_.region, "s3"}, scheme_, get, now_unix,
                       static_cast<int>(expires.count()));
}

std::optional<Upload> upload_of(const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!f || std::fseek(f.get(), 0, SEEK_END) != 0) return std::nullopt;
  long size = std::ftell(f.get());
  if (size < 0) return std::nullopt;
  auto sha = digest_of(path, 0, size, EVP_sha256());
  if (!sha) return std::nullopt;
  return Upload{path, size, *sha};
}

std::optional<std::string> mismatch(const ObjectInfo& seen, const Upload& file,
                                    const ObjectInfo& stored) {
  if (seen.size != file.size)
    return "the object holds " + std::to_string(seen.size) + " bytes, not " +
           std::to_string(file.size);
  if (!seen.sha256_base64.empty()) {
    if (seen.sha256_base64 != detail::base64(file.sha256))
      return "the object's SHA-256 is " + seen.sha256_base64 + ", not " +
             detail::base64(file.sha256);
    return std::nullopt;
  }
  if (seen.etag != stored.etag) return "the object's ETag is " + seen.etag + ", not " + stored.etag;
  return std::nullopt;
}

}  // namespace callstream::s3
