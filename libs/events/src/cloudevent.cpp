#include "callstream/events/cloudevent.hpp"

#include <algorithm>
#include <charconv>
#include <vector>

#include "callstream/events/json.hpp"
#include "callstream/twilio/signature.hpp"

namespace callstream::events {

namespace {

// The envelope, its data written by `write_data` into the same buffer.
template <typename WriteData>
std::string envelope(const CloudEvent& e, size_t data_size, WriteData&& write_data) {
  JsonWriter w(data_size + 512);
  w.begin_object();
  w.field("specversion", "1.0").field("id", e.id).field("source", e.source).field("type", e.type);
  if (!e.subject.empty()) w.field("subject", e.subject);
  w.field("time", e.time).field("datacontenttype", "application/json");
  if (!e.dataschema.empty()) w.field("dataschema", e.dataschema);
  w.field("receivedat", e.receivedat);
  if (!e.twilioaccount.empty()) w.field("twilioaccount", e.twilioaccount);
  w.key("data");
  write_data(w);
  w.end_object();
  return w.str();
}

void write_webhook_data(JsonWriter& w, std::string_view route, std::string_view method,
                        std::string_view query, const twilio::Params& params,
                        const WebhookAnswer* answer) {
  w.begin_object().field("route", route).field("method", method);
  if (!query.empty()) w.field("query", query);
  w.key("params").begin_object();
  std::vector<bool> written(params.size(), false);
  for (size_t i = 0; i < params.size(); ++i) {
    if (written[i]) continue;
    size_t count = 0;
    for (size_t j = i; j < params.size(); ++j) count += params[j].first == params[i].first;
    w.key(params[i].first);
    if (count == 1) {
      w.string(params[i].second);
      continue;
    }
    w.begin_array();
    for (size_t j = i; j < params.size(); ++j)
      if (params[j].first == params[i].first) {
        w.string(params[j].second);
        written[j] = true;
      }
    w.end_array();
  }
  w.end_object();
  if (answer) {
    w.key("answer")
        .begin_object()
        .field("outcome", answer->outcome)
        .field("content_type", answer->content_type)
        .field("body", answer->body)
        .end_object();
  }
  w.end_object();
}

size_t webhook_data_size(std::string_view query, const twilio::Params& params,
                         const WebhookAnswer* answer) {
  size_t size = 128 + query.size() + (answer ? answer->body.size() * 2 : 0);
  for (const auto& [k, v] : params) size += k.size() + v.size() + 8;
  return size;
}

}  // namespace

std::string serialize(const CloudEvent& e) {
  std::string_view data = e.data.empty() ? std::string_view("{}") : std::string_view(e.data);
  return envelope(e, data.size(), [data](JsonWriter& w) { w.raw(data); });
}

std::string serialize_webhook(const CloudEvent& e, std::string_view route, std::string_view method,
                              std::string_view query, const twilio::Params& params,
                              const WebhookAnswer* answer) {
  return envelope(e, webhook_data_size(query, params, answer), [&](JsonWriter& w) {
    write_webhook_data(w, route, method, query, params, answer);
  });
}

kafka::Message to_message(std::string topic, std::string key, const CloudEvent& event,
                          std::string value) {
  return kafka::Message{
      std::move(topic),
      std::move(key),
      std::move(value),
      {{"ce_type", event.type}, {"ce_id", event.id}, {"content-type", std::string(kContentType)}}};
}

kafka::Message to_message(std::string topic, std::string key, const CloudEvent& event) {
  return to_message(std::move(topic), std::move(key), event, serialize(event));
}

core::Result<CloudEvent> parse_cloudevent(std::string_view json) {
  auto doc = JsonDocument::parse(json);
  if (!doc) return std::unexpected(doc.error());
  auto invalid = [](std::string message) { return core::fail("not_a_cloudevent", message); };
  if (!doc->is_object()) return invalid("event is not a JSON object");
  CloudEvent e;
  struct Attr {
    const char* name;
    std::string* out;
    bool required;
  };
  const Attr attrs[] = {{"id", &e.id, true},
                        {"source", &e.source, true},
                        {"type", &e.type, true},
                        {"subject", &e.subject, false},
                        {"time", &e.time, false},
                        {"dataschema", &e.dataschema, false},
                        {"receivedat", &e.receivedat, false},
                        {"twilioaccount", &e.twilioaccount, false}};
  auto spec = doc->string_at({"specversion"});
  if (!spec || *spec != "1.0") return invalid("specversion is not \"1.0\"");
  for (const auto& a : attrs) {
    auto v = doc->string_at({a.name});
    if (v)
      a.out->assign(*v);
    else if (a.required)
      return invalid(std::string("attribute '") + a.name + "' missing or not a string");
  }
  auto data = doc->json_at({"data"});
  if (!data) return invalid("attribute 'data' missing");
  e.data = std::move(*data);
  return e;
}

std::string event_id(std::string_view route, const twilio::Params& params) {
  return event_id_of_sorted(route, twilio::sort_params(params));
}

std::string event_id_of_sorted(std::string_view route, const twilio::SortedParams& sorted) {
  std::string canonical;
  canonical.reserve(route.size() + sorted.size() * 48);
  auto put = [&canonical](std::string_view s) {
    char digits[24];
    auto end = std::to_chars(digits, digits + sizeof digits, s.size()).ptr;
    canonical.append(digits, end);
    canonical += ':';
    canonical += s;
  };
  put(route);
  for (const auto& [k, v] : sorted) {
    put(k);
    put(v);
  }
  return twilio::sha256_hex(canonical);
}

std::string webhook_data(std::string_view route, std::string_view method, std::string_view query,
                         const twilio::Params& params, const WebhookAnswer* answer) {
  JsonWriter w(webhook_data_size(query, params, answer));
  write_webhook_data(w, route, method, query, params, answer);
  return w.str();
}

}  // namespace callstream::events
