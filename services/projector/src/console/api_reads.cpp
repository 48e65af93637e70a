#include "api_reads.hpp"

#include "call_filters.hpp"
#include "read_queries.hpp"

namespace callstream::projector::console {

http::Response json_of(pg::Connection& db, const char* name, const char* sql,
                       const std::vector<pg::Param>& params) {
  auto r = db.exec(name, sql, params);
  return json_response(200, std::string(r.get(0, "json")));
}

http::Response forbidden(std::string_view why) {
  return http::error_response(403, "forbidden", why);
}

namespace {

http::Response bad_filter(std::string_view message) {
  return http::error_response(422, "invalid_filter", message);
}

}  // namespace

// ?period=today|week|month, or ?period=range&from=YYYY-MM-DD&to=YYYY-MM-DD (at most a year).
http::Response get_kpis(ApiCall& call) {
  const std::string* period = call.query_value("period");
  std::string p = period ? *period : "today";
  if (p != "today" && p != "week" && p != "month" && p != "range")
    return bad_filter("period: today, week, month or range");
  pg::Param from, to;
  if (p == "range") {
    const std::string* f = call.query_value("from");
    const std::string* t = call.query_value("to");
    if (!f || !t || !is_day(*f) || !is_day(*t) || *f > *t)
      return bad_filter("a range needs from and to, YYYY-MM-DD, from not after to");
    from = *f;
    to = *t;
  }
  return json_of(call.db, "console_kpis", sql::kKpis, {p, from, to});
}

// ?grain=hour (today, per hour) or ?grain=day (the last 30 days).
http::Response get_series(ApiCall& call) {
  const std::string* grain = call.query_value("grain");
  if (!grain || *grain == "hour") return json_of(call.db, "console_hourly", sql::kHourlySeries, {});
  if (*grain == "day") return json_of(call.db, "console_daily", sql::kDailySeries, {});
  return bad_filter("grain: hour or day");
}

http::Response get_queues(ApiCall& call) {
  return json_of(call.db, "console_queues", sql::kQueues, {});
}

http::Response get_agents(ApiCall& call) {
  return json_of(call.db, "console_agents", sql::kAgents, {});
}

// One page, newest first: {"calls": [...], "next": cursor or null}.
http::Response get_calls(ApiCall& call) {
  auto filters = parse_call_filters(call.query, call.only_agent());
  if (!filters) return bad_filter(filters.error().message);
  auto r = call.db.exec("console_calls", sql::kCallsPage, filters->params());
  std::string body = "{\"calls\":";
  body += r.get(0, "json");
  body += ",\"next\":";
  bool full = std::to_string(r.get_int(0, "rows")) == *filters->limit;
  body += full ? "\"" + page_cursor(r.get(0, "last_us"), r.get(0, "last_sid")) + "\"" : "null";
  body += "}";
  return json_response(200, std::move(body));
}

http::Response get_call(ApiCall& call) {
  auto r = call.db.exec("console_call", sql::kCallDetail, {call.param});
  if (r.get_int(0, "found") == 0)
    return http::error_response(404, "not_found", "no call " + std::string(call.param));
  if (auto self = call.only_agent(); self && r.get(0, "agent") != *self)
    return forbidden("an agent sees only the calls they handled");
  return json_response(200, std::string(r.get(0, "json")));
}

http::Response get_callbacks(ApiCall& call) {
  return json_of(call.db, "console_callbacks", sql::kCallbacks, {});
}

}  // namespace callstream::projector::console
