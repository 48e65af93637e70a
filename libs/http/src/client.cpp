#include "callstream/http/client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>

namespace callstream::http {
namespace {

using CurlPtr = std::unique_ptr<CURL, void (*)(CURL*)>;
using HeaderList = std::unique_ptr<curl_slist, void (*)(curl_slist*)>;

struct Sink {
  ClientResponse* response;
  size_t max_body;
  const std::function<bool(std::string_view)>* on_body;
};

size_t append_body(char* data, size_t size, size_t n, void* out) {
  auto* sink = static_cast<Sink*>(out);
  if (*sink->on_body) return (*sink->on_body)(std::string_view(data, size * n)) ? size * n : 0;
  if (sink->response->body.size() + size * n > sink->max_body) return 0;  // curl: write error
  sink->response->body.append(data, size * n);
  return size * n;
}

using FilePtr = std::unique_ptr<std::FILE, int (*)(std::FILE*)>;

struct Upload {
  std::FILE* file;
  int64_t left;
};

size_t read_upload(char* buffer, size_t size, size_t n, void* in) {
  auto* up = static_cast<Upload*>(in);
  size_t want = std::min<size_t>(size * n, static_cast<size_t>(up->left));
  size_t got = want ? std::fread(buffer, 1, want, up->file) : 0;
  up->left -= static_cast<int64_t>(got);
  return got;
}

// Credentials: SigV4 signed by curl, or HTTP Basic.
void authenticate(CURL* c, const ClientRequest& request) {
  if (request.basic_user.empty()) return;
  if (!request.aws_sigv4.empty())
    curl_easy_setopt(c, CURLOPT_AWS_SIGV4, request.aws_sigv4.c_str());
  else
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
  curl_easy_setopt(c, CURLOPT_USERNAME, request.basic_user.c_str());
  curl_easy_setopt(c, CURLOPT_PASSWORD, request.basic_password.c_str());
}

std::string trimmed(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' '))
    v.remove_suffix(1);
  return std::string(v);
}

// Each header line; a status line (a redirect's next answer) starts the list again.
size_t read_header(char* data, size_t size, size_t n, void* out) {
  auto* r = static_cast<ClientResponse*>(out);
  std::string_view line(data, size * n);
  if (line.starts_with("HTTP/")) {
    r->headers.clear();
    r->retry_after.reset();
    return size * n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * n;
  std::string name(line.substr(0, colon));
  for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  std::string value = trimmed(line.substr(colon + 1));
  if (name == "retry-after") {
    char* end = nullptr;
    long seconds = std::strtol(value.c_str(), &end, 10);
    if (end != value.c_str() && seconds >= 0) r->retry_after = std::chrono::seconds(seconds);
  }
  r->headers.emplace_back(std::move(name), std::move(value));
  return size * n;
}

// At most 5, http(s) only; curl keeps Basic credentials to the first host.
void follow_redirects(CURL* c) {
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
}

// The body: a file streamed up (`file` and `upload` live as long as the transfer), or `body`.
// False when the file cannot be read.
bool attach_body(CURL* c, const ClientRequest& request, FilePtr& file, Upload& upload) {
  if (request.upload_file.empty()) {
    if (request.method == "POST" || !request.body.empty()) {
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.c_str());
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body.size()));
    }
    return true;
  }
  file.reset(std::fopen(request.upload_file.c_str(), "rb"));
  if (!file || std::fseek(file.get(), static_cast<long>(request.upload_offset), SEEK_SET) != 0)
    return false;
  upload.file = file.get();
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, read_upload);
  curl_easy_setopt(c, CURLOPT_READDATA, &upload);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.upload_length));
  return true;
}

// The method, where curl's own choice for the body (GET, POST, PUT for an upload) is not it.
void set_method(CURL* c, const ClientRequest& request) {
  const char* chosen = !request.upload_file.empty()                        ? "PUT"
                       : request.method == "POST" || !request.body.empty() ? "POST"
                                                                           : "GET";
  if (request.method == "HEAD")
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  else if (request.method != chosen)
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
}

}  // namespace

ClientResponse exchange(const ClientRequest& request) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  ClientResponse r;
  CurlPtr curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) {
    r.transport_error = "curl_easy_init failed";
    return r;
  }
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(request.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(c, CURLOPT_USERAGENT, "callstream/0.1");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, append_body);
  Sink sink{&r, request.max_body, &request.on_body};
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  if (request.follow_redirects) follow_redirects(c);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, read_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
  authenticate(c, request);
  HeaderList headers(nullptr, curl_slist_free_all);
  for (const auto& [name, value] : request.headers)
    headers.reset(curl_slist_append(headers.release(), (name + ": " + value).c_str()));
  FilePtr file(nullptr, std::fclose);
  Upload upload{nullptr, request.upload_length};
  if (!attach_body(c, request, file, upload)) {
    r.transport_error = "cannot read " + request.upload_file;
    return r;
  }
  set_method(c, request);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());

  CURLcode rc = curl_easy_perform(c);
  curl_off_t pretransfer = 0;
  curl_easy_getinfo(c, CURLINFO_PRETRANSFER_TIME_T, &pretransfer);
  r.request_sent = pretransfer > 0;
  if (rc != CURLE_OK) {
    r.transport_error = curl_easy_strerror(rc);
    return r;
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  r.status = static_cast<int>(status);
  return r;
}

std::string_view header(const ClientResponse& response, std::string_view name) {
  for (const auto& [k, v] : response.headers)
    if (k == name) return v;
  return {};
}

}  // namespace callstream::http
