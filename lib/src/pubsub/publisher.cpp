// Publishing one message: PUBLISH or SPUBLISH, the retain and clear
// scripts, on the server the link routes each to.

#include "lock/fence.hpp"
#include "protocol/script.hpp"
#include "protocol/unexpected_reply.hpp"
#include "pubsub/publish_commands.hpp"
#include "util/printable.hpp"
#include "watch/glob.hpp"

#include <statesync/error.hpp>
#include <statesync/publisher.hpp>
#include <statesync/retained.hpp>

#include <fmt/format.h>

#include <array>
#include <memory>
#include <vector>

namespace statesync {
namespace {

using detail::printable;

[[noreturn]] void refused(const Link& link, std::string_view channel, const Reply& reply) {
  throw Error(reply, fmt::format("cannot publish to '{}' at {}", printable(channel), link.where()));
}

} // namespace

struct Publisher::Impl {
  Link& link;
  PublisherOptions options;

  std::string fence_key(std::string_view written) {
    return detail::fence_counter_key(link.topology(), *options.fence, written);
  }

  // The retain or clear script, fenced: the lock's fencing counter as its
  // second key, the lock's name and the token as its last arguments.
  template <typename Args>
  Reply run_fenced(const detail::Script& script, const Args& args) {
    const std::string fence = fence_key(args.key);
    const std::string token = std::to_string(options.fence->token);
    std::vector<std::string_view> keys_and_args(args.keys_and_args.begin(), args.keys_and_args.end());
    keys_and_args.insert(keys_and_args.begin() + 1, fence);
    keys_and_args.push_back(options.fence->lock);
    keys_and_args.push_back(token);
    return script.run(link, args.key, keys_and_args);
  }
};

Publisher::Publisher(Link& link, PublisherOptions options)
    : impl_(std::make_unique<Impl>(Impl{link, std::move(options)})) {}
Publisher::Publisher(const Publisher& other) : impl_(std::make_unique<Impl>(*other.impl_)) {}
Publisher& Publisher::operator=(const Publisher& other) {
  if (this != &other) {
    impl_ = std::make_unique<Impl>(*other.impl_);
  }
  return *this;
}
Publisher::Publisher(Publisher&&) noexcept = default;
Publisher& Publisher::operator=(Publisher&&) noexcept = default;
Publisher::~Publisher() = default;

const PublisherOptions& Publisher::options() const noexcept {
  return impl_->options;
}

Link& Publisher::link() noexcept {
  return impl_->link;
}

long long Publisher::publish(std::string_view channel, std::string_view payload) {
  const std::array<std::string_view, 3> args = {detail::publish_command(impl_->options), channel, payload};
  Reply reply;
  if (impl_->options.fence) {
    const std::string fence = impl_->fence_key(impl_->options.sharded ? channel : std::string_view());
    const std::string token = std::to_string(impl_->options.fence->token);
    const std::array<std::string_view, 6> fenced = {fence,  impl_->options.fence->lock, token, args[0], args[1],
                                                    args[2]};
    reply = detail::fence_script(false).run(impl_->link, fence, fenced);
  } else {
    reply = impl_->link.command(args, channel);
  }
  if (reply.is_error()) {
    refused(impl_->link, channel, reply);
  }
  if (reply.type != Reply::Type::integer) {
    throw detail::unexpected_reply(impl_->link.where(), "PUBLISH", reply);
  }
  return reply.integer;
}

Retained Publisher::retain(std::string_view channel, std::string_view payload, std::chrono::milliseconds ttl) {
  const detail::RetainArgs args(impl_->options, channel, payload, ttl);
  const Reply reply = impl_->options.fence
                          ? impl_->run_fenced(detail::retain_publish_script(true), args)
                          : detail::retain_publish_script().run(impl_->link, args.key, args.keys_and_args);
  if (reply.is_error()) {
    refused(impl_->link, channel, reply);
  }
  if (!detail::is_pair_of_integers(reply)) {
    throw detail::unexpected_reply(impl_->link.where(), "the retain script", reply);
  }
  return {reply.elements[0].integer, reply.elements[1].integer};
}

Cleared Publisher::clear(std::string_view channel) {
  const detail::ClearArgs args(impl_->options, channel);
  const Reply reply = impl_->options.fence
                          ? impl_->run_fenced(detail::clear_retained_script(true), args)
                          : detail::clear_retained_script().run(impl_->link, args.key, args.keys_and_args);
  if (reply.is_error()) {
    refused(impl_->link, channel, reply);
  }
  if (!detail::is_pair_of_integers(reply)) {
    throw detail::unexpected_reply(impl_->link.where(), "the clear script", reply);
  }
  return {reply.elements[0].integer, reply.elements[1].integer != 0};
}

long long Publisher::clear_matching(std::string_view pattern) {
  if (impl_->link.topology() == Topology::cluster) {
    throw Error(ErrorKind::usage, "in a cluster there is no index of retained channels: clear each channel by name");
  }
  const std::string index = retained_index_key(impl_->options.key_prefix);
  const Reply reply = impl_->link.command({"ZRANGE", index, "0", "-1"}, index);
  if (reply.is_error()) {
    throw Error(reply, fmt::format("cannot read the retained channels at {}", impl_->link.where()));
  }
  if (reply.type != Reply::Type::array) {
    throw detail::unexpected_reply(impl_->link.where(), "ZRANGE", reply);
  }
  long long cleared = 0;
  for (const Reply& channel : reply.elements) {
    if (detail::glob_match(pattern, channel.str) && clear(channel.str).existed) {
      ++cleared;
    }
  }
  return cleared;
}

} // namespace statesync
