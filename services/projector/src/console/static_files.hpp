#pragma once
// The web app's built files (CONSOLE_DIR), read once at start and served from memory: hashed
// assets cached for a year, index.html for every other path the app routes itself.
#include <map>
#include <string>
#include <string_view>

#include "callstream/http/message.hpp"

namespace callstream::projector::console {

class StaticFiles {
 public:
  // Reads every file under `dir`; an empty or missing dir serves a page saying how to build it.
  explicit StaticFiles(const std::string& dir);
  http::Response serve(std::string_view path) const;
  size_t size() const { return files_.size(); }

 private:
  struct File {
    std::string content_type, body;
  };
  std::map<std::string, File, std::less<>> files_;  // "/index.html", "/assets/index-3f2a.js"
};

}  // namespace callstream::projector::console
