#include "callstream/twilio/twiml.hpp"

#include <algorithm>

namespace callstream::twilio {
namespace {

// XML 1.0 allows tab, LF, CR and everything from 0x20 up; other control bytes are dropped.
bool allowed(unsigned char c) { return c >= 0x20 || c == '\t' || c == '\n' || c == '\r'; }

void escape_text(std::string& out, std::string_view s) {
  for (unsigned char c : s) {
    if (!allowed(c)) continue;
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += static_cast<char>(c);
    }
  }
}

void escape_attr(std::string& out, std::string_view s) {
  for (unsigned char c : s) {
    if (!allowed(c)) continue;
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\n':
        out += "&#10;";
        break;
      case '\r':
        out += "&#13;";
        break;
      case '\t':
        out += "&#09;";
        break;
      default:
        out += static_cast<char>(c);
    }
  }
}

}  // namespace

TwimlWriter::TwimlWriter() : out_("<?xml version=\"1.0\" encoding=\"UTF-8\"?>") {
  open("Response");
}

void TwimlWriter::start_tag(std::string_view verb, Attrs& attrs) {
  if (pending_empty_) {
    out_ += '>';
    pending_empty_ = false;
  }
  std::sort(attrs.begin(), attrs.end());
  out_ += '<';
  out_ += verb;
  for (const auto& [name, value] : attrs) {
    out_ += ' ';
    out_ += name;
    out_ += "=\"";
    escape_attr(out_, value);
    out_ += '"';
  }
}

TwimlWriter& TwimlWriter::open(std::string_view verb, Attrs attrs) {
  start_tag(verb, attrs);
  pending_empty_ = true;
  open_.emplace_back(verb);
  return *this;
}

TwimlWriter& TwimlWriter::close() {
  if (open_.empty()) return *this;
  if (pending_empty_) {
    out_ += " />";
    pending_empty_ = false;
  } else {
    out_ += "</" + open_.back() + ">";
  }
  open_.pop_back();
  return *this;
}

TwimlWriter& TwimlWriter::element(std::string_view verb, Attrs attrs, std::string_view text) {
  start_tag(verb, attrs);
  if (text.empty()) {
    out_ += " />";
    return *this;
  }
  out_ += '>';
  escape_text(out_, text);
  out_ += "</";
  out_ += verb;
  out_ += '>';
  return *this;
}

std::string TwimlWriter::finish() {
  while (!open_.empty()) close();
  return std::move(out_);
}

}  // namespace callstream::twilio
