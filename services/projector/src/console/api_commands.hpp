#pragma once
// What the console asks of others: a call back through the ingress's operator API, and a
// recording's media from Twilio. The browser holds neither the operator key nor Twilio's
// credentials.
#include "api_call.hpp"

namespace callstream::projector::console {

http::Response post_callback(ApiCall& call);
http::Response get_recording_media(ApiCall& call);

}  // namespace callstream::projector::console
