#include "callstream/twilio/form.hpp"

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

// Decodes `part` ('+' is a space) into `out`; false on a bad escape or character.
bool decode_part(std::string_view part, std::string& out) {
  out.resize(part.size());  // decoding never lengthens
  char* o = out.data();
  for (size_t i = 0; i < part.size(); ++i) {
    char c = part[i];
    if (c == '%') {
      if (i + 2 >= part.size()) return false;
      int h = hex_value(part[i + 1]), l = hex_value(part[i + 2]);
      if (h < 0 || l < 0) return false;
      *o++ = static_cast<char>(h * 16 + l);
      i += 2;
    } else if (c == '+') {
      *o++ = ' ';
    } else if (kQueryChar[static_cast<unsigned char>(c)]) {
      *o++ = c;
    } else {
      return false;
    }
  }
  out.resize(static_cast<size_t>(o - out.data()));
  return true;
}

}  // namespace

// One pass, no copies beyond the decoded strings: this runs on every webhook.
std::optional<Params> decode_form(std::string_view input, FormError* error) {
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
      bool ok = decode_part(piece.substr(0, eq), key) &&
                (eq == std::string_view::npos || decode_part(piece.substr(eq + 1), value));
      if (!ok) {
        if (error) {
          bool nul = piece.find('\0') != std::string_view::npos;
          std::string_view bad = piece.substr(0, 40);
          error->message = nul ? "malformed form encoding: raw NUL byte"
                               : "malformed form encoding near '" + std::string(bad) + "'";
        }
        return std::nullopt;
      }
      out.emplace_back(std::move(key), std::move(value));
    }
    if (end == std::string_view::npos) break;
    start = end + 1;
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
