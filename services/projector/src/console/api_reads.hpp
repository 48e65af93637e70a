#pragma once
// The read endpoints: KPIs, series, the queue view, agents, calls, a call, the callback list.
#include "api_call.hpp"

namespace callstream::projector::console {

http::Response get_kpis(ApiCall& call);
http::Response get_series(ApiCall& call);
http::Response get_queues(ApiCall& call);
http::Response get_agents(ApiCall& call);
http::Response get_calls(ApiCall& call);
http::Response get_call(ApiCall& call);
http::Response get_callbacks(ApiCall& call);

}  // namespace callstream::projector::console
