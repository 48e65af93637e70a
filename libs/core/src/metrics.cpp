#include "callstream/core/metrics.hpp"

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace callstream::core {
namespace {

std::string label_text(const Labels& labels) {
  std::string out;
  for (const auto& [k, v] : labels) {
    out += out.empty() ? "" : ",";
    out += k;
    out += "=\"";
    for (char c : v) {
      if (c == '\\' || c == '"') out += '\\';
      if (c == '\n') {
        out += "\\n";
        continue;
      }
      out += c;
    }
    out += '"';
  }
  return out;
}

std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string with_labels(const std::string& name, const std::string& labels,
                        const std::string& extra = {}) {
  std::string all = labels;
  if (!extra.empty()) all += (all.empty() ? "" : ",") + extra;
  return all.empty() ? name : name + "{" + all + "}";
}

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)), buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i] = 0;
}

void Histogram::observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  if (v > 0) sum_micros_.fetch_add(static_cast<uint64_t>(v * 1e6), std::memory_order_relaxed);
}

double Histogram::sum() const { return static_cast<double>(sum_micros_.load()) / 1e6; }

std::vector<uint64_t> Histogram::cumulative() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    out[i] = running;
  }
  return out;
}

std::vector<double> latency_buckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

Registry::Family& Registry::family(const std::string& name, const std::string& help, Type type) {
  auto [it, inserted] = families_.try_emplace(name);
  if (inserted) {
    it->second.type = type;
    it->second.help = help;
  } else if (it->second.type != type) {
    throw std::logic_error("metric " + name + " registered with two types");
  }
  return it->second;
}

Counter& Registry::counter(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mutex_);
  auto& slot = family(name, help, Type::counter).counters[label_text(labels)];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& Registry::gauge(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mutex_);
  auto& slot = family(name, help, Type::gauge).gauges[label_text(labels)];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

Histogram& Registry::histogram(const std::string& name, const std::string& help,
                               std::vector<double> bounds, const Labels& labels) {
  std::lock_guard lock(mutex_);
  auto& slot = family(name, help, Type::histogram).histograms[label_text(labels)];
  if (!slot) slot = std::make_unique<Histogram>(std::move(bounds));
  return *slot;
}

void Registry::gauge_callback(const std::string& name, const std::string& help,
                              std::function<double()> read, const Labels& labels) {
  std::lock_guard lock(mutex_);
  family(name, help, Type::gauge).callbacks[label_text(labels)] = std::move(read);
}

std::string Registry::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& [name, f] : families_) {
    const char* type = f.type == Type::counter ? "counter"
                       : f.type == Type::gauge ? "gauge"
                                               : "histogram";
    out += "# HELP " + name + " " + f.help + "\n# TYPE " + name + " " + type + "\n";
    for (const auto& [labels, c] : f.counters)
      out += with_labels(name, labels) + " " + std::to_string(c->value()) + "\n";
    for (const auto& [labels, g] : f.gauges)
      out += with_labels(name, labels) + " " + std::to_string(g->value()) + "\n";
    for (const auto& [labels, read] : f.callbacks)
      out += with_labels(name, labels) + " " + number(read()) + "\n";
    for (const auto& [labels, h] : f.histograms) {
      auto cum = h->cumulative();
      for (size_t i = 0; i < h->bounds().size(); ++i)
        out += with_labels(name + "_bucket", labels, "le=\"" + number(h->bounds()[i]) + "\"") +
               " " + std::to_string(cum[i]) + "\n";
      out += with_labels(name + "_bucket", labels, "le=\"+Inf\"") + " " +
             std::to_string(cum.back()) + "\n";
      out += with_labels(name + "_sum", labels) + " " + number(h->sum()) + "\n";
      out += with_labels(name + "_count", labels) + " " + std::to_string(h->count()) + "\n";
    }
  }
  return out;
}

}  // namespace callstream::core
