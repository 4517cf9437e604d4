#pragma once
// The commands a publish is: PUBLISH or SPUBLISH, the retain script's
// keys and arguments, and what their replies must look like. Shared by
// the one-shot Publisher and the record stream.

#include <statesync/connection.hpp>
#include <statesync/error.hpp>
#include <statesync/publisher.hpp>
#include <statesync/retained.hpp>

#include <array>
#include <chrono>
#include <string>
#include <string_view>

namespace statesync::detail {

inline std::string_view publish_command(const PublisherOptions& options) {
  return options.sharded ? "SPUBLISH" : "PUBLISH";
}

// {receivers, second}: what both scripts return.
inline bool is_pair_of_integers(const Reply& reply) {
  return reply.type == Reply::Type::array && reply.elements.size() == 2 &&
         reply.elements[0].type == Reply::Type::integer && reply.elements[1].type == Reply::Type::integer;
}

// The retain script's keys and arguments, owning what the views need.
struct RetainArgs {
  std::string key;
  std::string ttl_ms;
  std::string index;
  std::string version_channel;
  std::array<std::string_view, 9> keys_and_args;

  RetainArgs(const PublisherOptions& options, std::string_view channel, std::string_view payload,
             std::chrono::milliseconds ttl)
      : key(retained_state_key(options.key_prefix, channel)), ttl_ms(std::to_string(ttl.count())),
        index(retained_index_key(options.key_prefix)),
        version_channel(retained_version_channel(options.key_prefix, channel)), keys_and_args{key,
                                                                                              channel,
                                                                                              payload,
                                                                                              ttl_ms,
                                                                                              publish_command(options),
                                                                                              retained_payload_field,
                                                                                              retained_version_field,
                                                                                              index,
                                                                                              version_channel} {}
  RetainArgs(const RetainArgs&) = delete;
  RetainArgs& operator=(const RetainArgs&) = delete;
};

// The clear script's keys and arguments.
struct ClearArgs {
  std::string key;
  std::string index;
  std::string version_channel;
  std::array<std::string_view, 5> keys_and_args;

  ClearArgs(const PublisherOptions& options, std::string_view channel)
      : key(retained_state_key(options.key_prefix, channel)), index(retained_index_key(options.key_prefix)),
        version_channel(retained_version_channel(options.key_prefix, channel)), keys_and_args{key, channel,
                                                                                              publish_command(options),
                                                                                              index, version_channel} {}
  ClearArgs(const ClearArgs&) = delete;
  ClearArgs& operator=(const ClearArgs&) = delete;
};

} // namespace statesync::detail
