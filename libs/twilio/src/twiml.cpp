#include "callstream/twilio/twiml.hpp"

#include <algorithm>

namespace callstream::twilio {
namespace {

// XML 1.0 allows tab, LF, CR and everything from 0x20 up; other control bytes are dropped.
bool allowed(unsigned char c) { return c >= 0x20 || c == '\t' || c == '\n' || c == '\r'; }

// Text escapes & < >; an attribute value also " and the line breaks (as ElementTree does).
void escape(std::string& out, std::string_view s, bool attribute) {
  for (unsigned char c : s) {
    if (!allowed(c)) continue;
    switch (c) {
      case '&':
        out += "&amp;";
        continue;
      case '<':
        out += "&lt;";
        continue;
      case '>':
        out += "&gt;";
        continue;
    }
    if (attribute) {
      switch (c) {
        case '"':
          out += "&quot;";
          continue;
        case '\n':
          out += "&#10;";
          continue;
        case '\r':
          out += "&#13;";
          continue;
        case '\t':
          out += "&#09;";
          continue;
      }
    }
    out += static_cast<char>(c);
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
    escape(out_, value, true);
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
  escape(out_, text, false);
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
