#pragma once
// A recording's media from Twilio, streamed to a file and hashed on the way: the archive's first
// step. `RecordingUrl` + ".wav" keeps a dual-channel recording's two channels. Account auth;
// redirects are followed (Twilio may answer from its storage). Blocking: call it from a worker.
#include <cstdint>
#include <string>

#include "callstream/core/result.hpp"
#include "callstream/twilio/rest_client.hpp"

namespace callstream::twilio {

struct Downloaded {
  int64_t size = 0;
  std::string sha256;  // raw digest of the bytes written
  std::string content_type;
};

// GET `url` into `path` (created or truncated). A 404 (not available yet) is retryable: Twilio
// answers it for a while after the recording's completed callback.
core::Result<Downloaded, RestError> download_media(const RestSettings& settings,
                                                   const std::string& url, const std::string& path);

}  // namespace callstream::twilio
