#include "callstream/twilio/media.hpp"

#include <openssl/evp.h>

#include <cstdio>
#include <memory>

#include "callstream/http/client.hpp"

namespace callstream::twilio {

core::Result<Downloaded, RestError> download_media(const RestSettings& settings,
                                                   const std::string& url,
                                                   const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> out(std::fopen(path.c_str(), "wb"), std::fclose);
  if (!out) return std::unexpected(RestError{0, 0, "cannot write " + path, "", false});
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> hash(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(hash.get(), EVP_sha256(), nullptr);
  Downloaded got;
  bool written = true;
  http::ClientRequest req;
  req.url = url;
  req.basic_user = settings.username;
  req.basic_password = settings.password;
  req.follow_redirects = true;
  req.connect_timeout = settings.connect_timeout;
  req.timeout = settings.timeout;
  req.on_body = [&](std::string_view chunk) {
    written = std::fwrite(chunk.data(), 1, chunk.size(), out.get()) == chunk.size();
    EVP_DigestUpdate(hash.get(), chunk.data(), chunk.size());
    got.size += static_cast<int64_t>(chunk.size());
    return written;
  };
  http::ClientResponse r = http::exchange(req);
  if (!written) return std::unexpected(RestError{0, 0, "cannot write " + path, "", false});
  if (r.status != 200) {
    RestError e = RestClient::error_of(r);
    e.retryable = e.retryable || r.status == 404;
    return std::unexpected(e);
  }
  if (std::fflush(out.get()) != 0)
    return std::unexpected(RestError{0, 0, "cannot write " + path, "", false});
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(hash.get(), digest, &n);
  got.sha256.assign(reinterpret_cast<const char*>(digest), n);
  got.content_type = std::string(http::header(r, "content-type"));
  return got;
}

}  // namespace callstream::twilio
