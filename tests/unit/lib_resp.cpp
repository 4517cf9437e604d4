// The RESP reader and encoder, tested by feeding bytes: no socket involved.

#include "protocol/resp.hpp"

#include <statesync/error.hpp>

#include <doctest/doctest.h>

#include <string_view>
#include <vector>

using namespace std::string_literals;

using statesync::Reply;
using statesync::detail::encode_command;
using statesync::detail::ReplyReader;

TEST_CASE("commands are encoded as RESP arrays of bulk strings, binary-safe") {
  std::string out;
  const std::vector<std::string_view> args = {"PUBLISH", "ch", std::string_view("a\0b\r\n", 5)};
  encode_command(args, out);
  CHECK(out == "*3\r\n$7\r\nPUBLISH\r\n$2\r\nch\r\n$5\r\na\0b\r\n\r\n"s);
}

TEST_CASE("an empty argument is encoded as an empty bulk string") {
  std::string out;
  const std::vector<std::string_view> args = {"PUBLISH", "ch", ""};
  encode_command(args, out);
  CHECK(out == "*3\r\n$7\r\nPUBLISH\r\n$2\r\nch\r\n$0\r\n\r\n");
}

TEST_CASE("commands are appended after what is buffered, with lengths of any size") {
  std::string out = "*1\r\n$4\r\nPING\r\n";
  const std::string big(123456, 'x');
  std::vector<std::string_view> args(11, "a");
  args.push_back(big);
  encode_command(args, out);
  std::string expected = "*1\r\n$4\r\nPING\r\n*12\r\n";
  for (int i = 0; i < 11; ++i) {
    expected += "$1\r\na\r\n";
  }
  expected += "$123456\r\n" + big + "\r\n";
  CHECK(out == expected);
}

TEST_CASE("every reply type decodes") {
  ReplyReader reader;
  const std::string bytes = "+OK\r\n-ERR bad\r\n:42\r\n$3\r\na\0b\r\n$-1\r\n*2\r\n$1\r\nx\r\n:7\r\n"s;
  reader.feed(bytes.data(), bytes.size());
  auto r = reader.next();
  REQUIRE(r);
  CHECK(r->is_status("OK"));
  r = reader.next();
  CHECK((r->is_error() && r->str == "ERR bad"));
  r = reader.next();
  CHECK((r->type == Reply::Type::integer && r->integer == 42));
  r = reader.next();
  CHECK((r->type == Reply::Type::string && r->str == std::string("a\0b", 3)));
  r = reader.next();
  CHECK(r->type == Reply::Type::nil);
  r = reader.next();
  REQUIRE(r->type == Reply::Type::array);
  REQUIRE(r->elements.size() == 2);
  CHECK(r->elements[0].str == "x");
  CHECK(r->elements[1].integer == 7);
  CHECK_FALSE(reader.next());
}

TEST_CASE("a reply split at every byte boundary decodes once whole") {
  const std::string bytes = "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n";
  for (std::size_t split = 1; split < bytes.size(); ++split) {
    ReplyReader reader;
    reader.feed(bytes.data(), split);
    const auto partial = reader.next();
    CHECK_FALSE(partial);
    reader.feed(bytes.data() + split, bytes.size() - split);
    const auto whole = reader.next();
    REQUIRE(whole);
    CHECK(whole->elements[2].str == "hello");
  }
}

TEST_CASE("bytes that are not RESP are a protocol error") {
  ReplyReader reader;
  const std::string bytes = "HTTP/1.1 400 Bad Request\r\n";
  reader.feed(bytes.data(), bytes.size());
  try {
    reader.next();
    FAIL("expected a protocol error");
  } catch (const statesync::Error& error) {
    CHECK(error.kind() == statesync::ErrorKind::protocol);
  }
}
