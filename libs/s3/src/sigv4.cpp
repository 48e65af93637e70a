#include "callstream/s3/sigv4.hpp"

#include <algorithm>
#include <ctime>

#include "digest.hpp"

namespace callstream::s3 {
namespace {

using detail::hex;
using detail::hmac_sha256;
using detail::sha256_hex;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// Leading and trailing spaces go, inner runs of spaces become one.
std::string trimmed(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::string canonical_query(const SignedRequest& r) {
  std::vector<std::pair<std::string, std::string>> q;
  for (const auto& [k, v] : r.query) q.emplace_back(uri_encode(k), uri_encode(v));
  std::sort(q.begin(), q.end());
  std::string out;
  for (const auto& [k, v] : q) out += (out.empty() ? "" : "&") + k + "=" + v;
  return out;
}

std::string scope_of(const Scope& scope, int64_t unix_seconds) {
  return amz_date(unix_seconds).substr(0, 8) + "/" + scope.region + "/" + scope.service +
         "/aws4_request";
}

}  // namespace

std::string uri_encode(std::string_view s, bool keep_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '.' || c == '_' || c == '~' || (keep_slash && c == '/');
    if (plain) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kDigits[c >> 4];
      out += kDigits[c & 15];
    }
  }
  return out;
}

std::string amz_date(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[17];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string canonical_request(const SignedRequest& r, std::string* signed_headers) {
  // Headers: lower-case names, sorted; a repeated name's values joined by commas, in order.
  std::vector<std::pair<std::string, std::string>> headers{{"host", r.host}};
  for (const auto& [k, v] : r.headers) headers.emplace_back(lower(k), trimmed(v));
  std::stable_sort(headers.begin(), headers.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string lines, names;
  for (size_t i = 0; i < headers.size(); ++i) {
    if (i > 0 && headers[i].first == headers[i - 1].first) {
      lines.insert(lines.size() - 1, "," + headers[i].second);
      continue;
    }
    lines += headers[i].first + ":" + headers[i].second + "\n";
    names += (names.empty() ? "" : ";") + headers[i].first;
  }
  if (signed_headers) *signed_headers = names;
  return r.method + "\n" + uri_encode(r.path, true) + "\n" + canonical_query(r) + "\n" + lines +
         "\n" + names + "\n" + r.payload_sha256;
}

std::string signature(const Credentials& credentials, const Scope& scope,
                      const SignedRequest& request, int64_t unix_seconds) {
  const std::string date = amz_date(unix_seconds);
  std::string to_sign = "AWS4-HMAC-SHA256\n" + date + "\n" + scope_of(scope, unix_seconds) + "\n" +
                        sha256_hex(canonical_request(request));
  std::string key = hmac_sha256("AWS4" + credentials.secret_access_key, date.substr(0, 8));
  key = hmac_sha256(hmac_sha256(hmac_sha256(key, scope.region), scope.service), "aws4_request");
  return hex(hmac_sha256(key, to_sign));
}

std::string authorization(const Credentials& credentials, const Scope& scope,
                          const SignedRequest& request, int64_t unix_seconds) {
  std::string names;
  canonical_request(request, &names);
  return "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + "/" +
         scope_of(scope, unix_seconds) + ", SignedHeaders=" + names +
         ", Signature=" + signature(credentials, scope, request, unix_seconds);
}

std::string presigned_url(const Credentials& credentials, const Scope& scope,
                          std::string_view scheme, SignedRequest request, int64_t unix_seconds,
                          int expires_seconds) {
  request.payload_sha256 = "UNSIGNED-PAYLOAD";
  std::string names;
  canonical_request(request, &names);
  request.query.emplace_back("X-Amz-Algorithm", "AWS4-HMAC-SHA256");
  request.query.emplace_back("X-Amz-Credential",
                             credentials.access_key_id + "/" + scope_of(scope, unix_seconds));
  request.query.emplace_back("X-Amz-Date", amz_date(unix_seconds));
  request.query.emplace_back("X-Amz-Expires", std::to_string(expires_seconds));
  if (!credentials.session_token.empty())
    request.query.emplace_back("X-Amz-Security-Token", credentials.session_token);
  request.query.emplace_back("X-Amz-SignedHeaders", names);
  std::string sig = signature(credentials, scope, request, unix_seconds);
  return std::string(scheme) + "://" + request.host + uri_encode(request.path, true) + "?" +
         canonical_query(request) + "&X-Amz-Signature=" + sig;
}

}  // namespace callstream::s3
