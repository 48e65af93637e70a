#pragma once
// The agent's softphone, served for the signed-in user alone (a user's name is their Twilio
// client identity and their TaskRouter worker's name):
//   GET  /api/softphone/token        a Voice SDK access token for their own identity (the ingress
//                                    mints it; another identity is 403)
//   GET  /api/softphone/activities   the workspace's activities and the user's current one
//   POST /api/softphone/activity     {"activity_sid"}: the user's worker set to it at TaskRouter
//   GET  /api/softphone/incoming     ?from=: the caller of the call ringing the user (number,
//                                    city, state, queue), from their reservation or the calls
#include "api_call.hpp"

namespace callstream::projector::console {

http::Response get_softphone_token(ApiCall& call);
http::Response get_softphone_activities(ApiCall& call);
http::Response post_softphone_activity(ApiCall& call);
http::Response get_softphone_incoming(ApiCall& call);

}  // namespace callstream::projector::console
