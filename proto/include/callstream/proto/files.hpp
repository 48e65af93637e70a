#pragma once
// The files of proto/ (topics.json, schemas/*.json), embedded at build time.
#include <optional>
#include <string_view>
#include <vector>

namespace callstream::proto {

// Contents of a file by its path relative to proto/, e.g. "topics.json" or
// "schemas/com.twilio.voice.status-callback.call.json"; nullopt when there is no such file.
std::optional<std::string_view> file(std::string_view relative_path);

// Every embedded path, sorted.
std::vector<std::string_view> paths();

}  // namespace callstream::proto
