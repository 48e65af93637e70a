#include "callstream/twilio/form.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace callstream::twilio {
namespace {

// What a query (RFC 3986 3.4) may hold unescaped: pchar / "/" / "?", with '%' only in an escape.
constexpr std::array<bool, 256> query_chars() {
  std::array<bool, 256> ok{};
  for (int c = '0'; c <= '9'; ++c) ok[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) ok[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) ok[c] = true;
  for (char c : std::string_view("-._~!$&'()*+,;=:@/?")) ok[static_cast<unsigned char>(c)] = true;
  return ok;
}
constexpr std::array<bool, 256> kQueryChar = query_chars();

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
bool valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int n = c >= 0xC2 && c <= 0xDF   ? 1
            : c >= 0xE0 && c <= 0xEF ? 2
            : c >= 0xF0 && c <= 0xF4 ? 3
                                     : -1;
    if (n < 0 || end - p <= n) return false;
    unsigned char lo = 0x80, hi = 0xBF;  // the second byte's range
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
    if (p[1] < lo || p[1] > hi) return false;
    for (int i = 2; i <= n; ++i)
      if (p[i] < 0x80 || p[i] > 0xBF) return false;
    p += n + 1;
  }
  return true;
}

enum class PartError { none, encoding, not_text };

// Decodes `part` ('+' is a space in a form, itself in a path) into `out`: a bad escape or character
// is an encoding error; text that is not UTF-8, or holds NUL, is not text (every parameter ends up
// in a JSON event, and PostgreSQL's text and jsonb refuse both).
PartError decode_part(std::string_view part, std::string& out, bool plus_is_space = true) {
  out.resize(part.size());  // decoding never lengthens
  char* o = out.data();
  unsigned char escaped_or = 0, escaped_min = 0xFF;
  for (size_t i = 0; i < part.size(); ++i) {
    char c = part[i];
    if (c == '%') {
      if (i + 2 >= part.size()) return PartError::encoding;
      int h = hex_value(part[i + 1]), l = hex_value(part[i + 2]);
      if (h < 0 || l < 0) return PartError::encoding;
      auto b = static_cast<unsigned char>(h * 16 + l);
      escaped_or |= b;
      escaped_min = std::min(escaped_min, b);
      *o++ = static_cast<char>(b);
      i += 2;
    } else if (c == '+') {
      *o++ = plus_is_space ? ' ' : '+';
    } else if (kQueryChar[static_cast<unsigned char>(c)]) {
      *o++ = c;
    } else {
      return PartError::encoding;
    }
  }
  out.resize(static_cast<size_t>(o - out.data()));
  // Unescaped characters are ASCII and never NUL: only escapes can make it not text.
  if (escaped_min == 0 || ((escaped_or & 0x80) && !valid_utf8(out))) return PartError::not_text;
  return PartError::none;
}

std::string malformed_message(std::string_view piece, PartError e) {
  if (piece.find('\0') != std::string_view::npos) return "malformed form encoding: raw NUL byte";
  std::string bad(piece.substr(0, 40));
  return e == PartError::not_text ? "form text is not UTF-8 or holds NUL near '" + bad + "'"
                                  : "malformed form encoding near '" + bad + "'";
}

}  // namespace

// One pass, no copies beyond the decoded strings: this runs on every webhook.
core::Result<Params> decode_form(std::string_view input) {
  Params out;
  if (input.empty()) return out;
  out.reserve(16);
  size_t start = 0;
  for (;;) {
    size_t end = input.find('&', start);
    std::string_view piece =
        input.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (!piece.empty()) {  // "a=1&&b=2"
      size_t eq = piece.find('=');
      std::string key, value;
      PartError e = decode_part(piece.substr(0, eq), key);
      if (e == PartError::none && eq != std::string_view::npos)
        e = decode_part(piece.substr(eq + 1), value);
      if (e != PartError::none) return core::fail("malformed_form", malformed_message(piece, e));
      out.emplace_back(std::move(key), std::move(value));
    }
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

core::Result<std::string> decode_path_segment(std::string_view text) {
  std::string out;
  PartError e = decode_part(text, out, false);
  if (e != PartError::none) return core::fail("malformed_form", malformed_message(text, e));
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

SortedParams sort_params(const Params& params) {
  SortedParams sorted(params.begin(), params.end());
  std::sort(sorted.begin(), sorted.end());
  return sorted;
}

const std::string* find_param(const Params& params, std::string_view key) {
  for (const auto& [k, v] : params)
    if (k == key) return &v;
  return nullptr;
}

}  // namespace callstream::twilio
