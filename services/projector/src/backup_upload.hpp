#pragma once
// callstream-projector backup-upload FILE: a backup made by scripts/backup copied to the
// archive's bucket (the recording archive's S3 client and settings), as BACKUP_S3_PREFIX + the
// file's name, then checked with HEAD (size and SHA-256) before it is reported done.
#include <ostream>
#include <string>

#include "archive/archive_settings.hpp"

namespace callstream::projector {

// Exit status: 0 when the copy is verified; 1 when the file cannot be read, S3 refuses it or
// the copy is not the file (`err` says why); `out` gets the object's s3:// location.
int backup_upload(const archive::ArchiveSettings& archive, const std::string& prefix,
                  const std::string& path, std::ostream& out, std::ostream& err);

}  // namespace callstream::projector
