#pragma once
// TwiML documents, serialized byte for byte as Twilio's own SDK (python3-twilio) writes them:
// attributes sorted by name, text escaping & < >, attribute escaping & < > " and line breaks,
// empty elements as <Verb />. Characters XML 1.0 cannot carry are dropped.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace callstream::twilio {

class TwimlWriter {
 public:
  using Attrs = std::vector<std::pair<std::string, std::string>>;

  TwimlWriter();

  // <verb attrs> ... until the matching close().
  TwimlWriter& open(std::string_view verb, Attrs attrs = {});
  TwimlWriter& close();
  // <verb attrs>text</verb>, or <verb attrs /> when text is empty.
  TwimlWriter& element(std::string_view verb, Attrs attrs = {}, std::string_view text = {});

  // Closes every open element and the <Response>; the writer is spent afterwards.
  std::string finish();

 private:
  void start_tag(std::string_view verb, Attrs& attrs);
  std::string out_;
  std::vector<std::string> open_;
  bool pending_empty_ = false;  // the last open() has no content yet
};

}  // namespace callstream::twilio
