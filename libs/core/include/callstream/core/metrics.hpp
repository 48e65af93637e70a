#pragma once
// A small Prometheus registry: counters, gauges and histograms with labels, rendered in the
// text exposition format. Look a metric up once and keep the reference: updates are atomics.
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace callstream::core {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void set(int64_t v) { value_.store(v, std::memory_order_relaxed); }
  void add(int64_t d) { value_.fetch_add(d, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void observe(double v);
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum() const;
  // Cumulative counts per bucket, the last being +Inf.
  std::vector<uint64_t> cumulative() const;
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_micros_{0};  // sum * 1e6, so that it stays an atomic integer
};

// Latency buckets in seconds, 0.5 ms .. 10 s.
std::vector<double> latency_buckets();

class Registry {
 public:
  Counter& counter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& gauge(const std::string& name, const std::string& help, const Labels& labels = {});
  Histogram& histogram(const std::string& name, const std::string& help, std::vector<double> bounds,
                       const Labels& labels = {});
  // A gauge read at render time (queue depths owned by a library, lag computed on demand).
  void gauge_callback(const std::string& name, const std::string& help,
                      std::function<double()> read, const Labels& labels = {});

  std::string render() const;

 private:
  enum class Type { counter, gauge, histogram };
  struct Family {
    Type type;
    std::string help;
    std::map<std::string, std::unique_ptr<Counter>> counters;
    std::map<std::string, std::unique_ptr<Gauge>> gauges;
    std::map<std::string, std::function<double()>> callbacks;
    std::map<std::string, std::unique_ptr<Histogram>> histograms;
  };
  Family& family(const std::string& name, const std::string& help, Type type);

  mutable std::mutex mutex_;
  std::map<std::string, Family> families_;
};

// A counter whose labels are known only where it is counted (a route, a status): declared once,
// with its name and help, in the service's metrics struct; `at` finds (or makes) one series.
class CounterFamily {
 public:
  CounterFamily(Registry& registry, std::string name, std::string help)
      : registry_(&registry), name_(std::move(name)), help_(std::move(help)) {}
  Counter& at(const Labels& labels) const { return registry_->counter(name_, help_, labels); }

 private:
  Registry* registry_;
  std::string name_;
  std::string help_;
};

}  // namespace callstream::core
