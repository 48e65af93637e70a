#pragma once
// migrations/*.sql, embedded at build time (see CMakeLists.txt).
#include <optional>
#include <string_view>
#include <vector>

namespace callstream::projector::migration_files {
std::optional<std::string_view> file(std::string_view name);
std::vector<std::string_view> paths();
}  // namespace callstream::projector::migration_files
