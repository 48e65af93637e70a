#include "callstream/twilio/form.hpp"

#include <cctype>

#include <boost/url/encoding_opts.hpp>
#include <boost/url/params_encoded_view.hpp>
#include <boost/url/parse_query.hpp>

namespace callstream::twilio {

std::optional<Params> decode_form(std::string_view input, FormError* error) {
  Params out;
  if (input.empty()) return out;
  if (input.find('\0') != std::string_view::npos) {
    if (error) error->message = "malformed form encoding: raw NUL byte";
    return std::nullopt;
  }
  // Boost.URL 1.81's parse_query reads up to a terminating NUL (found by fuzzing): give it one.
  const std::string owned(input);
  std::string_view text = owned;
  auto parsed = boost::urls::parse_query(boost::core::string_view(text.data(), text.size()));
  if (!parsed) {
    if (error) {
      // Point at the first parameter that fails on its own, so the log says where.
      std::string_view bad = text;
      size_t start = 0;
      while (start <= text.size()) {
        size_t end = text.find('&', start);
        std::string_view piece = text.substr(
            start, end == std::string_view::npos ? std::string_view::npos : end - start);
        if (!boost::urls::parse_query(std::string(piece))) {
          bad = piece;
          break;
        }
        if (end == std::string_view::npos) break;
        start = end + 1;
      }
      if (bad.size() > 40) bad = bad.substr(0, 40);
      error->message = "malformed form encoding near '" + std::string(bad) + "'";
    }
    return std::nullopt;
  }
  boost::urls::encoding_opts opts;
  opts.space_as_plus = true;
  out.reserve(parsed->size());
  for (auto p : *parsed) {
    if (p.key.empty() && !p.has_value) continue;  // "a=1&&b=2"
    out.emplace_back(p.key.decode(opts), p.has_value ? p.value.decode(opts) : std::string());
  }
  return out;
}

std::string encode_form(const Params& params) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    for (const std::string* part : {&k, &v}) {
      for (unsigned char c : *part) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
          out += static_cast<char>(c);
        } else {
          out += '%';
          out += hex[c >> 4];
          out += hex[c & 15];
        }
      }
      if (part == &k) out += '=';
    }
  }
  return out;
}

const std::string* find_param(const Params& params, std::string_view key) {
  for (const auto& [k, v] : params)
    if (k == key) return &v;
  return nullptr;
}

}  // namespace callstream::twilio
