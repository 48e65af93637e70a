#include "static_files.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "callstream/core/log.hpp"

namespace callstream::projector::console {
namespace fs = std::filesystem;

namespace {

std::string content_type(const fs::path& p) {
  static const std::map<std::string, std::string> types = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".mp3", "audio/mpeg"},
      {".wav", "audio/wav"},
      {".txt", "text/plain; charset=utf-8"},
      {".webmanifest", "application/manifest+json"}};
  auto it = types.find(p.extension().string());
  return it == types.end() ? "application/octet-stream" : it->second;
}

constexpr const char* kNotBuilt =
    "<!doctype html><title>callstream console</title><p>The console's web app is not built. "
    "Run <code>scripts/bootstrap</code> (it installs Node.js) and build again, or set "
    "CONSOLE_DIR to the built app.</p>";

}  // namespace

StaticFiles::StaticFiles(const std::string& dir) {
  std::error_code ec;
  if (dir.empty() || !fs::is_directory(dir, ec)) {
    core::log::warn("console web app not found: the console serves its API only", {{"dir", dir}});
    return;
  }
  for (const auto& entry : fs::recursive_directory_iterator(dir, ec)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream body;
    body << in.rdbuf();
    std::string key = "/" + fs::relative(entry.path(), dir).generic_string();
    files_[key] = File{content_type(entry.path()), body.str()};
  }
}

http::Response StaticFiles::serve(std::string_view path) const {
  auto it = files_.find(path);
  bool asset = it != files_.end() && path.starts_with("/assets/");
  if (it == files_.end() && path.rfind('.') != std::string_view::npos &&
      path.rfind('.') > path.rfind('/'))
    return http::error_response(404, "not_found", "no such file");
  if (it == files_.end()) it = files_.find("/index.html");  // a route of the app itself
  if (it == files_.end()) return http::text_response(503, "text/html; charset=utf-8", kNotBuilt);
  http::Response r{200, it->second.content_type, it->second.body, {}, {}};
  r.headers.emplace_back("Cache-Control",
                         asset ? "public, max-age=31536000, immutable" : "no-cache");
  return r;
}

}  // namespace callstream::projector::console
