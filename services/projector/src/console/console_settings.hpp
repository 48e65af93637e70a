#pragma once
// The console's settings (docs/console.md, docs/configuration.md).
#include <chrono>
#include <string>

#include "callstream/s3/client.hpp"
#include "sessions.hpp"

namespace callstream::projector::console {

struct ConsoleSettings {
  std::string static_dir;       // CONSOLE_DIR: the built web app (index.html, assets/)
  bool secure_cookies = false;  // BASE_URL is https: the cookie is Secure
  SessionPolicy sessions;
  bool trust_forwarded_for = false;  // CONSOLE_TRUST_FORWARDED_FOR: behind a proxy that sets it
  int workers = 4;                   // CONSOLE_WORKERS: requests served at once
  // The call center the page shows (CALL_CENTER_TIME_ZONE, SERVICE_LEVEL_SECONDS).
  std::string time_zone = "UTC";
  int service_level_seconds = 60;
  // Commands go to the ingress's operator API with this key (CONSOLE_INGRESS_URL,
  // CONSOLE_OPERATOR_KEY); without a key the console is read-only.
  std::string ingress_url = "http://127.0.0.1:8080";
  std::string operator_key;
  // Recordings are streamed from Twilio with the account's credentials (TWILIO_API_BASE_URL,
  // TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN); the browser never sees them.
  std::string twilio_api_base = "https://api.twilio.com";
  std::string account_sid, auth_token;
  // An archived recording plays from the archive (ARCHIVE_S3_*): the player is sent to a
  // presigned GET that expires after playback_expiry (ARCHIVE_PLAYBACK_URL_SECONDS); the
  // browser never holds a credential. No bucket: recordings come from Twilio only.
  s3::S3Settings archive;
  std::chrono::seconds playback_expiry{900};
};

}  // namespace callstream::projector::console
