// statesync-sub's output: encodings, the -F template, JSON, options.

#include "common/encoding.hpp"
#include "statesync-sub/format_template.hpp"
#include "statesync-sub/message_printer.hpp"
#include "statesync-sub/options.hpp"

#include <statesync/error.hpp>

#include <doctest/doctest.h>

using namespace statesync;
using namespace statesync::tools;
using namespace std::string_literals;

namespace {

std::string hex(std::string_view bytes) {
  std::string out;
  append_hex(out, bytes);
  return out;
}

std::string base64(std::string_view bytes) {
  std::string out;
  append_base64(out, bytes);
  return out;
}

std::string json_string(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

// 2001-09-09T01:46:40.000250Z
const SystemTime when = SystemTime(std::chrono::microseconds(1000000000000250LL));

Message message(std::string channel, std::string payload, std::string pattern = "") {
  Message m;
  m.channel = std::move(channel);
  m.payload = std::move(payload);
  m.pattern = std::move(pattern);
  return m;
}

std::string render(std::string_view text, const Message& m) {
  std::string out;
  FormatTemplate::parse(text).render(out, m, when);
  return out;
}

int usage_error(std::string_view text) {
  try {
    FormatTemplate::parse(text);
  } catch (const Error& error) {
    return error.kind() == ErrorKind::usage ? 64 : 0;
  }
  return 0;
}

} // namespace

TEST_CASE("hex and base64") {
  CHECK(hex(""s) == "");
  CHECK(hex("\x00\xff\x10"s) == "00ff10");
  CHECK(base64("") == "");
  CHECK(base64("f") == "Zg==");
  CHECK(base64("fo") == "Zm8=");
  CHECK(base64("foo") == "Zm9v");
  CHECK(base64("foob") == "Zm9vYg==");
  CHECK(base64("\xff\xfe\x00"s) == "//4A");
}

TEST_CASE("strict UTF-8") {
  CHECK(is_valid_utf8(""));
  CHECK(is_valid_utf8("plain ascii\n\x00"s));
  CHECK(is_valid_utf8("é € 😀 \xf4\x8f\xbf\xbf"));
  CHECK_FALSE(is_valid_utf8("\xff"));
  CHECK_FALSE(is_valid_utf8("\xc3"));             // truncated
  CHECK_FALSE(is_valid_utf8("\xc0\xaf"));         // overlong
  CHECK_FALSE(is_valid_utf8("\xe0\x80\xaf"));     // overlong
  CHECK_FALSE(is_valid_utf8("\xed\xa0\x80"));     // surrogate
  CHECK_FALSE(is_valid_utf8("\xf4\x90\x80\x80")); // above U+10FFFF
  CHECK_FALSE(is_valid_utf8("\xe2\x82"));         // truncated
  CHECK_FALSE(is_valid_utf8("a\x80"));            // lone continuation
}

TEST_CASE("JSON strings escape quotes, backslashes and control characters") {
  CHECK(json_string("a\"b\\c") == R"("a\"b\\c")");
  CHECK(json_string("\n\t\x01\x1f"s + '\0') == R"("\u000a\u0009\u0001\u001f\u0000")");
  CHECK(json_string("é\x7f") == "\"é\x7f\"");
}

TEST_CASE("timestamps") {
  std::string out;
  append_iso8601(out, when);
  CHECK(out == "2001-09-09T01:46:40.000250Z");
  out.clear();
  append_unix_time(out, when);
  CHECK(out == "1000000000.000250");
}

TEST_CASE("template fields and escapes") {
  const Message m = message("ch", "a\0b"s, "c*");
  CHECK(render("%t %P %p %l", m) == "ch c* a\0b 3"s);
  CHECK(render("%x|%b|%%|%v", m) == "610062|YQBi|%|");
  CHECK(render(R"(\n\t\r\0\\)", m) == "\n\t\r\0\\"s);
  CHECK(render("%I %U", m) == "2001-09-09T01:46:40.000250Z 1000000000.000250");
  Message retained = m;
  retained.version = 12;
  CHECK(render("%v", retained) == "12");
  CHECK(render("", m).empty());
  CHECK(render("plain", m) == "plain");
  CHECK(FormatTemplate::parse("%I").uses_time());
  CHECK_FALSE(FormatTemplate::parse("%p").uses_time());
}

TEST_CASE("mosquitto_sub's widths, upper-case hex, @-sequences and %j") {
  const Message m = message("chan", "hello");
  CHECK(render("%8t|%-8t|%.2t|%6.3t|", m) == "    chan|chan    |ch|   cha|");
  CHECK(render("%5l|%-5l|%05l|%-05l|", m) == "    5|5    |00005|5    |");
  // A width cuts the payload too; in hex to half of what is left.
  CHECK(render("%8p|%-8p|%08p|%3p|", m) == "   hello|hello   |000hello|hel|");
  CHECK(render("%X|%8x|%-8X|%4x|", m) == "68656C6C6F|    6865|6865    |6865|");
  CHECK(render("%-p|", m) == "hello     |");
  CHECK(render("@@ @N", m) == "@ 000250000");
  CHECK(render("@Y", m).size() == 4);
  CHECK(render(R"(\a\e\v)", m) == "\a\033\v");
  CHECK(render("%j", m) == R"({"channel":"chan","time":"2001-09-09T01:46:40.000250Z","payload":"hello"})");
  CHECK(FormatTemplate::parse("@H").uses_time());
  CHECK(FormatTemplate::parse("%j").uses_time());
}

TEST_CASE("bad templates are usage errors") {
  CHECK(usage_error("%5b") == 64); // statesync's own fields take no width
  CHECK(usage_error("%-v") == 64);
  CHECK(usage_error("@") == 64);
  CHECK(usage_error("%5") == 64);
  CHECK(usage_error("%") == 64);
  CHECK(usage_error("abc\\") == 64);
  CHECK(usage_error("%z") == 64);
  CHECK(usage_error("\\q") == 64);
}

TEST_CASE("JSON objects") {
  std::string out;
  append_json(out, message("ch", "hi\n"), when);
  CHECK(out == R"({"channel":"ch","time":"2001-09-09T01:46:40.000250Z","payload":"hi\u000a"})");
  out.clear();
  Message m = message("c\xff", "\xfe", "p*");
  m.version = 3;
  append_json(out, m, when);
  CHECK(out == R"({"channel_base64":"Y/8=","pattern":"p*","retained":true,"version":3,)"
               R"("time":"2001-09-09T01:46:40.000250Z","payload_base64":"/g=="})");
}

TEST_CASE("printer styles and terminators") {
  SubOptions options;
  const Message m = message("ch", "pay");
  const auto print = [&](bool colour = false) {
    std::string out;
    MessagePrinter(options, colour).append(out, m);
    return out;
  };
  CHECK(print() == "pay\n");
  options.null = true;
  CHECK(print() == "pay\0"s);
  options.null = false;
  options.no_newline = true;
  CHECK(print() == "pay");
  options.no_newline = false;
  options.connection.verbose = true;
  CHECK(print() == "ch pay\n");
  CHECK(print(true) == "\033[1;35mch\033[0m pay\n");
  options.format = "%t:%p";
  CHECK(print() == "ch:pay\n");
}

TEST_CASE("--exec takes the words after --; without it they are channels") {
  const auto parse = [](std::initializer_list<const char*> words) {
    SubOptions options;
    auto app = make_sub_app(options);
    std::vector<const char*> argv = {"statesync-sub"};
    argv.insert(argv.end(), words.begin(), words.end());
    const int argc = split_command(static_cast<int>(argv.size()), const_cast<char**>(argv.data()), options);
    app->parse(argc, const_cast<char**>(argv.data()));
    check_options(options);
    return options;
  };
  auto with_exec = parse({"a", "--exec", "--", "cmd", "-x", "--"});
  CHECK(with_exec.channels == std::vector<std::string>{"a"});
  CHECK(with_exec.command == std::vector<std::string>{"cmd", "-x", "--"});
  auto without = parse({"a", "--", "-b"});
  CHECK(without.channels == std::vector<std::string>{"a", "-b"});
  CHECK(without.command.empty());
  auto waits = parse({"-W", "2.5", "-C", "3", "a"});
  CHECK(*waits.wait == 2.5);
  CHECK(*waits.count == 3);
  CHECK_THROWS_AS(parse({"--exec", "a"}), Error);
  CHECK_THROWS_AS(parse({"-R", "--sharded", "a"}), Error);
}

TEST_CASE("a reply's fields: %h host, %s exit status or timeout, %L latency; JSON with them") {
  const Message m = message("fleet", "out");
  const ReplyFields failed{"web-1", 3, 1.5};
  std::string out;
  FormatTemplate::parse("%h %s %L %p").render(out, m, when, {}, nullptr, &failed);
  CHECK(out == "web-1 3 1.500 out");
  const ReplyFields timed_out{"web-2", std::nullopt, 0.25};
  out.clear();
  FormatTemplate::parse("%s").render(out, m, when, {}, nullptr, &timed_out);
  CHECK(out == "timeout");
  CHECK(render("%h%s%L", m).empty()); // not a reply
  CHECK(usage_error("%3h") == 64);
  out.clear();
  append_reply_json(out, m, when, failed);
  CHECK(out == R"({"host":"web-1","status":3,"timed_out":false,"latency_ms":1.500,"channel":"fleet",)"
               R"("time":"2001-09-09T01:46:40.000250Z","payload":"out"})");
}
