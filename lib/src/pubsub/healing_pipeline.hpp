#pragma once
// The one algorithm by which a pipelined writer (RecordStream, StreamWriter)
// delivers, heals and fails: a message is put on the lane of the server its
// key belongs to; a lost connection or a failover that the link can mend
// (topology/failover.hpp) is healed by taking every lane's unacknowledged
// copies, in order, reconnecting, and delivering them again where they
// belong now (at least once); anything else fails the writer for good, and
// it keeps throwing that first error. The writer says how its lanes hold
// copies and how its link recovers; what the pipelines send differs
// (PUBLISH and the retain script; XADD and XTRIM), this does not.

#include "topology/failover.hpp"

#include <statesync/error.hpp>

#include <fmt/format.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace statesync::detail {

template <class Pending>
class HealingPipeline {
public:
  // `heals`: whether the lanes keep copies to send again (only a link that
  // cannot reconnect never does).
  explicit HealingPipeline(bool heals) : heals_(heals) {}
  virtual ~HealingPipeline() = default;

  bool heals() const noexcept { return heals_; }

  // Puts one message with `put` (which routes it and puts it on its lane);
  // a failure that a reconnection mends is healed, and the message goes
  // with the others not acknowledged when its copy was taken, else it is
  // put again.
  template <class Put>
  void deliver(Put&& put) {
    for (;;) {
      fail_if_failed();
      const std::uint64_t before = copied_;
      try {
        check_failover();
        put();
        return;
      } catch (const Error& failure) {
        const bool taken = copied_ != before;
        heal(failure);
        if (taken) {
          return;
        }
      }
    }
  }

  // `step(i)` on lane 0, 1, ... until it returns false (no lane i); a lane
  // that fails heals the writer, and the lanes are gone through again from
  // the first (they are new).
  template <class Step>
  void on_every_lane(Step&& step) {
    fail_if_failed();
    for (std::size_t i = 0;;) {
      try {
        check_failover();
        if (!step(i)) {
          return;
        }
        ++i;
      } catch (const Error& failure) {
        heal(failure);
        i = 0;
      }
    }
  }

  void fail_if_failed() const {
    if (error_) {
      throw *error_;
    }
  }

  // The writer has failed for good: the first failure is thrown, now and
  // by every later call.
  [[noreturn]] void fail(const Error& failure) {
    keep_first(failure);
    drop_lanes();
    throw *error_;
  }

  // The first failure is kept; fail_if_failed() throws it (for a failure
  // found while replies are still to be read: they are read first).
  void keep_first(const Error& failure) {
    if (!error_) {
      error_ = failure;
    }
  }
  bool has_failed() const noexcept { return error_.has_value(); }

  // The count of copies the lanes have taken: a lane adds one as it keeps
  // a copy (before anything can fail), so that deliver() knows the message
  // is taken, whatever fails next.
  std::uint64_t& copies_taken() noexcept { return copied_; }

protected:
  // What the link says of a failover it has seen (Link::check_failover).
  virtual void check_failover() = 0;
  // Every lane's copies not acknowledged, in order; the lanes are dropped.
  virtual std::vector<Pending> take_unacknowledged() = 0;
  virtual void drop_lanes() noexcept = 0;
  // Connects again after `failure`; false when a wake ended the wait.
  virtual bool recover(const Error& failure) = 0;
  virtual void deliver_again(const Pending& message) = 0;

private:
  // A lost connection or a failover: the link connects again (or says it
  // cannot), and every message not acknowledged goes, in order, to where
  // it belongs now. The connections are all new: every lane's copies are
  // taken, also those of lanes that had not failed (at least once).
  void heal(const Error& failure) {
    if (error_ || !heals_ || !suggests_failover(failure)) {
      fail(error_ ? *error_ : failure);
    }
    const std::vector<Pending> again = take_unacknowledged();
    try {
      if (!recover(failure)) {
        fail(Error(ErrorKind::unavailable, fmt::format("{}; interrupted while reconnecting", failure.what())));
      }
    } catch (const Error& final) {
      fail(final);
    }
    for (const Pending& message : again) {
      deliver_again(message);
    }
  }

  bool heals_;
  std::uint64_t copied_ = 0;
  std::optional<Error> error_;
};

} // namespace statesync::detail
