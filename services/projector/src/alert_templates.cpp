#include "alert_templates.hpp"

#include "callstream/core/time.hpp"
#include "callstream/events/json.hpp"

namespace callstream::projector {
namespace {

struct Words {
  const char* title;   // one alert
  const char* plural;  // "{n} <plural> in the last <window>"
};

Words words(AlertKind k, bool pt) {
  switch (k) {
    case AlertKind::missed_inbound_call:
      return pt ? Words{"Chamada perdida", "chamadas perdidas"}
                : Words{"Missed call", "missed calls"};
    case AlertKind::voicemail_left:
      return pt ? Words{"Nova mensagem de voz", "mensagens de voz"}
                : Words{"New voicemail", "voicemails"};
    case AlertKind::outbound_call_failed:
      return pt ? Words{"Chamada de saída sem sucesso", "chamadas de saída sem sucesso"}
                : Words{"Outbound call failed", "failed outbound calls"};
    case AlertKind::long_queue_wait:
      return pt ? Words{"Espera longa na fila", "esperas longas na fila"}
                : Words{"Long wait in the queue", "long waits in the queue"};
    case AlertKind::recording_failed:
      return pt ? Words{"Gravação com problema", "gravações com problema"}
                : Words{"Recording problem", "recording problems"};
    case AlertKind::projection_lag:
      return pt ? Words{"Atraso na projeção", "alertas de atraso"}
                : Words{"Projection lag", "lag alerts"};
    case AlertKind::dead_letters:
      return pt ? Words{"Evento não aplicado", "eventos não aplicados"}
                : Words{"Event not applied", "events not applied"};
  }
  return {"Alert", "alerts"};
}

std::string reason_text(std::string_view reason, bool pt) {
  if (reason == "abandoned") return pt ? "desligou na fila" : "hung up in the queue";
  if (reason == "busy") return pt ? "linha ocupada" : "line busy";
  if (reason == "no-answer") return pt ? "ninguém atendeu" : "no answer";
  if (reason == "failed") return pt ? "falhou" : "failed";
  if (reason == "canceled") return pt ? "cancelada" : "canceled";
  return pt ? "não atendida" : "not answered";
}

std::string status_text(std::string_view status, bool pt) {
  if (status == "busy") return pt ? "ocupado" : "busy";
  if (status == "no-answer") return pt ? "não atendida" : "not answered";
  if (status == "failed") return pt ? "falhou" : "failed";
  if (status == "absent") return pt ? "vazia (sem áudio)" : "absent (no audio)";
  if (status == "not-archived") return pt ? "não arquivada" : "not archived";
  return std::string(status);
}

class Facts {
 public:
  explicit Facts(const std::string& json) {
    if (auto doc = events::JsonDocument::parse(json)) doc_ = std::move(*doc);
  }
  std::string str(std::string_view key, std::string_view fallback = "?") const {
    if (!doc_) return std::string(fallback);
    if (auto s = doc_->string_at({key}); s && !s->empty()) return std::string(*s);
    if (auto j = doc_->json_at({key}); j && *j != "null") return *j;  // numbers
    return std::string(fallback);
  }
  long long number(std::string_view key) const {
    std::string s = str(key, "");
    char* end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    return end == s.c_str() ? -1 : static_cast<long long>(d + 0.5);
  }

 private:
  std::optional<events::JsonDocument> doc_;
};

std::string local_time(const Facts& f, const core::TimeZone& tz) {
  std::string at = f.str("at", "");
  // PostgreSQL writes "2026-03-02T10:05:00.123+00:00" into jsonb.
  auto t = core::parse_rfc3339(at);
  if (!t) return at.empty() ? "?" : at;
  core::LocalTime l = tz.local(*t);
  return l.date() + " " + l.hhmm();
}

std::string line(AlertKind kind, const Facts& f, bool pt, const core::TimeZone& tz) {
  std::string when = local_time(f, tz);
  std::string caller = f.str("caller"), called = f.str("called");
  switch (kind) {
    case AlertKind::missed_inbound_call: {
      std::string wait = duration_text(f.number("wait_seconds"));
      std::string queue = f.str("queue", "");
      std::string reason = reason_text(f.str("reason", ""), pt);
      return pt ? caller + " ligou para " + called + " às " + when + " (" + reason + " após " +
                      wait + (queue.empty() ? "" : ", fila " + queue) + ")"
                : caller + " called " + called + " at " + when + " (" + reason + " after " + wait +
                      (queue.empty() ? "" : ", queue " + queue) + ")";
    }
    case AlertKind::voicemail_left: {
      long long secs = f.number("duration_seconds");
      std::string length = secs >= 0 ? duration_text(secs) : "?";
      std::string link = f.str("recording_url", "");
      return pt ? caller + " deixou uma mensagem de " + length + " para " + called + " às " + when +
                      ": " + link
                : caller + " left a " + length + " message for " + called + " at " + when + ": " +
                      link;
    }
    case AlertKind::outbound_call_failed: {
      std::string agent = f.str("agent", "-");
      std::string status = status_text(f.str("status", ""), pt);
      return pt ? "Chamada para " + called + " (de " + caller + ", agente " + agent + ") às " +
                      when + ": " + status
                : "Call to " + called + " (from " + caller + ", agent " + agent + ") at " + when +
                      ": " + status;
    }
    case AlertKind::long_queue_wait: {
      std::string wait = duration_text(f.number("wait_seconds"));
      std::string limit = duration_text(f.number("threshold_seconds"));
      return pt ? caller + " esperou " + wait + " na fila (limite " + limit + ") às " + when
                : caller + " waited " + wait + " in the queue (limit " + limit + ") at " + when;
    }
    case AlertKind::recording_failed: {
      std::string status = status_text(f.str("status", ""), pt);
      std::string error = f.str("error_code", "");
      std::string detail =
          error.empty() || error == "0" ? "" : (pt ? ", erro " : ", error ") + error;
      if (std::string reason = f.str("reason", ""); !reason.empty()) detail += " (" + reason + ")";
      return pt ? "Gravação " + f.str("recording_sid") + " da chamada de " + caller + " às " +
                      when + ": " + status + detail
                : "Recording " + f.str("recording_sid") + " of the call from " + caller + " at " +
                      when + ": " + status + detail;
    }
    case AlertKind::projection_lag:
      return pt ? f.str("lag_events") + " eventos aguardam aplicação (limite " +
                      f.str("threshold_events") + ") às " + when
                : f.str("lag_events") + " events are waiting to be applied (limit " +
                      f.str("threshold_events") + ") at " + when;
    case AlertKind::dead_letters: {
      std::string where = f.str("topic") + " [" + f.str("partition") + "@" + f.str("offset") + "]";
      return pt ? "Evento de " + where + " não aplicado às " + when + ": " + f.str("error")
                : "An event of " + where + " could not be applied at " + when + ": " +
                      f.str("error");
    }
  }
  return {};
}

// A rule's own line: each {name} naming a fact is replaced by it; other braces stay as written.
std::string fill(const std::string& text, const Facts& f, bool pt, const core::TimeZone& tz) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    size_t end = text[i] == '{' ? text.find('}', i) : std::string::npos;
    if (end == std::string::npos) {
      out += text[i++];
      continue;
    }
    std::string name = text.substr(i + 1, end - i - 1);
    if (name == "time")
      out += local_time(f, tz);
    else if (name == "wait")
      out += duration_text(f.number("wait_seconds"));
    else if (name == "reason")
      out += reason_text(f.str("reason", ""), pt);
    else if (name == "status")
      out += status_text(f.str("status", ""), pt);
    else if (name == "caller" || name == "called" || name == "agent" || name == "queue" ||
             name == "recording_url" || name == "call_sid")
      out += f.str(name, "");
    else
      out += text.substr(i, end - i + 1);
    i = end + 1;
  }
  return out;
}

std::string window_text(std::chrono::seconds w, bool pt) {
  long long s = w.count();
  if (s >= 90) return std::to_string((s + 30) / 60) + (pt ? " minutos" : " minutes");
  if (s >= 60) return pt ? "1 minuto" : "1 minute";
  if (s <= 1) return pt ? "1 segundo" : "1 second";
  return std::to_string(s) + (pt ? " segundos" : " seconds");
}

std::string mrkdwn_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '&')
      out += "&amp;";
    else if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else
      out += c;
  }
  return out;
}

constexpr size_t kMaxLines = 10;

}  // namespace

std::string duration_text(long long seconds) {
  if (seconds < 0) return "?";
  if (seconds < 60) return std::to_string(seconds) + " s";
  long long m = seconds / 60, s = seconds % 60;
  return std::to_string(m) + " min" + (s ? " " + std::to_string(s) + " s" : "");
}

std::string AlertText::plain() const {
  std::string out = title;
  for (const auto& l : lines) out += "\n" + l;
  return out;
}

AlertText render_alerts(AlertKind kind, const std::vector<std::string>& facts,
                        const std::string& language, const core::TimeZone& tz,
                        std::chrono::seconds window, const std::string& line_template) {
  bool pt = language == "pt-BR";
  Words w = words(kind, pt);
  AlertText out;
  if (facts.size() == 1) {
    out.title = w.title;
  } else {
    out.title = std::to_string(facts.size()) + " " + w.plural +
                (pt ? " nos últimos " : " in the last ") + window_text(window, pt);
  }
  for (size_t i = 0; i < facts.size() && i < kMaxLines; ++i)
    out.lines.push_back((facts.size() > 1 ? "• " : "") +
                        (line_template.empty() ? line(kind, Facts(facts[i]), pt, tz)
                                               : fill(line_template, Facts(facts[i]), pt, tz)));
  if (facts.size() > kMaxLines)
    out.lines.push_back((pt ? "… e mais " : "… and ") + std::to_string(facts.size() - kMaxLines) +
                        (pt ? "" : " more"));
  return out;
}

std::string slack_payload(const AlertText& text) {
  std::string body;
  for (const auto& l : text.lines) body += (body.empty() ? "" : "\n") + mrkdwn_escape(l);
  events::JsonWriter w;
  w.begin_object().field("text", text.plain()).key("blocks").begin_array();
  w.begin_object().field("type", "header").key("text").begin_object();
  w.field("type", "plain_text").field("text", text.title).end_object().end_object();
  w.begin_object().field("type", "section").key("text").begin_object();
  w.field("type", "mrkdwn").field("text", body).end_object().end_object();
  w.end_array().end_object();
  return w.str();
}

}  // namespace callstream::projector
