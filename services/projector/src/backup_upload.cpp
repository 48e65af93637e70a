#include "backup_upload.hpp"

#include <filesystem>

namespace callstream::projector {

int backup_upload(const archive::ArchiveSettings& archive, const std::string& prefix,
                  const std::string& path, std::ostream& out, std::ostream& err) {
  auto file = s3::upload_of(path);
  if (!file) {
    err << "backup-upload: cannot read " << path << "\n";
    return 1;
  }
  s3::S3Client client(archive.s3);
  std::string key = prefix + std::filesystem::path(path).filename().string();
  auto stored = client.put(key, *file);
  if (!stored) {
    err << "backup-upload: S3 refused " << key << ": HTTP " << stored.error().http_status << " "
        << stored.error().code << " " << stored.error().message << "\n";
    return 1;
  }
  auto seen = client.head(key);
  std::optional<std::string> why = !seen    ? "HEAD failed: " + seen.error().code
                                   : !*seen ? std::optional<std::string>("HEAD finds no object")
                                            : s3::mismatch(**seen, *file, *stored);
  if (why) {
    err << "backup-upload: " << key << " is not the file: " << *why << "\n";
    return 1;
  }
  out << client.location(key) << "\n";
  return 0;
}

}  // namespace callstream::projector
