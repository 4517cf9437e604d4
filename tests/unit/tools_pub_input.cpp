// statesync-pub's input: records split from a pipe, whatever the block
// boundaries, and --channel-field records.

#include "statesync-pub/channel_field.hpp"
#include "statesync-pub/record_reader.hpp"

#include <statesync/error.hpp>

#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace statesync;
using namespace statesync::tools;

namespace {

// Every record the reader gives for `input`, written into a pipe by a
// thread in pieces of `piece` bytes.
std::vector<std::string> records_of(const std::string& input, char separator, bool strip_cr, std::size_t piece = 7) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  std::thread writer([&] {
    for (std::size_t at = 0; at < input.size(); at += piece) {
      const std::string_view part = std::string_view(input).substr(at, piece);
      [[maybe_unused]] const auto n = ::write(fds[1], part.data(), part.size());
    }
    ::close(fds[1]);
  });
  std::vector<std::string> records;
  RecordReader reader(fds[0], "test pipe", separator, strip_cr);
  while (!reader.at_end()) {
    while (auto record = reader.next()) {
      records.emplace_back(*record);
    }
    reader.fill();
  }
  writer.join();
  ::close(fds[0]);
  return records;
}

using Records = std::vector<std::string>;

} // namespace

TEST_CASE("lines: empty lines are records, the last line needs no newline") {
  CHECK(records_of("a\n\nb\nlast", '\n', false) == Records{"a", "", "b", "last"});
  CHECK(records_of("a\nb\n", '\n', false) == Records{"a", "b"});
  CHECK(records_of("", '\n', false).empty());
  CHECK(records_of("\n", '\n', false) == Records{""});
}

TEST_CASE("lines: one \\r before the newline is dropped when asked, nothing else") {
  CHECK(records_of("a\r\nb\r\r\nc\r", '\n', true) == Records{"a", "b\r", "c\r"});
  CHECK(records_of("a\r\nb", '\n', false) == Records{"a\r", "b"});
}

TEST_CASE("NUL records keep every other byte") {
  const std::string input("one\0two\nlines\r\n\0\xff\xfe", 18);
  CHECK(records_of(input, '\0', false) == Records{"one", "two\nlines\r\n", "\xff\xfe"});
}

TEST_CASE("a record longer than a read block arrives whole") {
  const std::string big(3 * 1024 * 1024 + 5, 'x');
  const auto records = records_of("s\n" + big + "\ne", '\n', false, 1 << 16);
  REQUIRE(records.size() == 3);
  CHECK(records[1] == big);
  CHECK(records[2] == "e");
}

TEST_CASE("reading a file that is not there is no_input") {
  try {
    read_file("/nonexistent/statesync");
    FAIL("expected an error");
  } catch (const Error& error) {
    CHECK(error.kind() == ErrorKind::no_input);
    CHECK(std::string(error.what()).starts_with("cannot read /nonexistent/statesync: "));
  }
}

TEST_CASE("--channel-field splits at the first separator") {
  const auto fields = split_channel_field("ch: a: b", ": ");
  REQUIRE(fields);
  CHECK(fields->channel == "ch");
  CHECK(fields->message == "a: b");
  CHECK(split_channel_field("ch:", ":")->message.empty());
  CHECK_FALSE(split_channel_field("no separator", ":"));
}
