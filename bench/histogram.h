// A latency histogram with fixed memory and under 1% relative error (log-linear buckets, as in
// HdrHistogram): Record is a few instructions and never allocates. Not thread-safe: keep one per
// io thread and Merge them at the end.
#pragma once

#include <array>
#include <bit>
#include <cstdint>

namespace kring::bench {

class Histogram {
 public:
  // Values are nanoseconds (or any unit); negative values count as 0.
  void Record(int64_t value) {
    uint64_t v = value < 0 ? 0 : static_cast<uint64_t>(value);
    ++counts_[Index(v)];
    ++count_;
    if (v > max_) max_ = v;
    sum_ += v;
  }

  void Merge(const Histogram& other) {
    for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
    count_ += other.count_;
    sum_ += other.sum_;
    if (other.max_ > max_) max_ = other.max_;
  }

  uint64_t count() const { return count_; }
  uint64_t max() const { return max_; }
  double mean() const { return count_ == 0 ? 0 : static_cast<double>(sum_) / count_; }

  // The value at quantile q (0..1): the upper bound of the bucket holding it, capped at max.
  uint64_t Quantile(double q) const {
    if (count_ == 0) return 0;
    uint64_t rank = static_cast<uint64_t>(q * static_cast<double>(count_));
    if (rank >= count_) rank = count_ - 1;
    uint64_t seen = 0;
    for (size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen > rank) {
        uint64_t upper = UpperBound(i);
        return upper < max_ ? upper : max_;
      }
    }
    return max_;
  }

 private:
  // Values below 2^kSubBits are exact; above, each power of two is split into 2^kSubBits
  // buckets (relative width 1/128 < 1%).
  static constexpr int kSubBits = 7;
  static constexpr uint64_t kSub = 1u << kSubBits;
  static constexpr size_t kBuckets = (64 - kSubBits + 1) * kSub;

  static size_t Index(uint64_t v) {
    if (v < kSub) return static_cast<size_t>(v);
    int top = 63 - std::countl_zero(v);  // >= kSubBits
    int shift = top - kSubBits;
    uint64_t sub = (v >> shift) - kSub;  // 0..kSub-1
    return static_cast<size_t>((shift + 1) * kSub + sub);
  }
  static uint64_t UpperBound(size_t index) {
    if (index < kSub) return index;
    uint64_t shift = index / kSub - 1;
    uint64_t sub = index % kSub;
    return ((kSub + sub + 1) << shift) - 1;
  }

  std::array<uint64_t, kBuckets> counts_{};
  uint64_t count_ = 0;
  uint64_t max_ = 0;
  uint64_t sum_ = 0;
};

}  // namespace kring::bench
