// The request and reply envelopes (request.hpp), and the names that put a
// reply channel and a presence key in the request channel's slot.

#include "request/envelope.hpp"

#include <statesync/cluster.hpp>

#include <doctest/doctest.h>

#include <string>

using namespace statesync;
using namespace statesync::detail;

TEST_CASE("a request's payload comes back byte for byte, newlines and NULs too") {
  const std::string payload("a\nb\0c\r\n", 7);
  const std::string encoded = encode_request("0123", "statesync:reply:{1}:0123", payload);
  CHECK(encoded.starts_with("statesync-request/1\n0123\nstatesync:reply:{1}:0123\n"));
  const auto request = decode_request("ch", encoded);
  REQUIRE(request);
  CHECK(request->channel == "ch");
  CHECK(request->id == "0123");
  CHECK(request->reply_channel == "statesync:reply:{1}:0123");
  CHECK(request->payload == payload);
}

TEST_CASE("a message that is not a request is none") {
  CHECK_FALSE(decode_request("ch", "hello"));
  CHECK_FALSE(decode_request("ch", "statesync-request/1\nid-without-reply-channel"));
  CHECK_FALSE(decode_request("ch", "statesync-request/1\n\nreply\npayload"));
}

TEST_CASE("a reply carries its host, status and output; other requests' replies are none") {
  const std::string output("out\0put\n", 8);
  const std::string encoded = encode_reply("id1", "inst", "web-1", ReplyBody{output, 3, false});
  const auto reply = decode_reply("id1", encoded);
  REQUIRE(reply);
  CHECK(reply->instance == "inst");
  CHECK(reply->host == "web-1");
  CHECK(reply->status == 3);
  CHECK_FALSE(reply->timed_out);
  CHECK(reply->output == output);
  CHECK_FALSE(decode_reply("id2", encoded));
  CHECK_FALSE(decode_reply("id1", "statesync-reply/1\nid1\ninst\nweb-1\nthree\n"));
  const auto timed_out = decode_reply("id1", encode_reply("id1", "inst", "web-1", ReplyBody{"", 0, true}));
  REQUIRE(timed_out);
  CHECK(timed_out->timed_out);
}

TEST_CASE("reply channels and presence keys live in the request channel's slot") {
  for (const char* channel : {"fleet", "a{b", "{tag}x", "}{", "", "x}y{z}"}) {
    CAPTURE(channel);
    CHECK(key_slot(reply_channel("statesync:", channel, "id")) == key_slot(channel));
    CHECK(key_slot(presence_key("statesync:", channel)) == key_slot(channel));
  }
  CHECK(random_id().size() == 32);
  CHECK(random_id() != random_id());
}

TEST_CASE("a presence member is INSTANCE tab HOST") {
  const PresentResponder present = parse_presence_member(presence_member("abc", "web-1"));
  CHECK(present.instance == "abc");
  CHECK(present.host == "web-1");
}
