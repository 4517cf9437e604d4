#include "parse_errors.hpp"

#include <fmt/format.h>

#include <map>
#include <string_view>

namespace statesync::tools {
namespace {

// What a value name stands for, in words. A name not listed is shown as
// it is ("needs a VALUE").
std::string value_in_words(const std::string& value_name) {
  static const std::map<std::string, std::string, std::less<>> words = {
      {"ACTION", "an action (term, kill or ignore)"},
      {"CHAR", "a single character"},
      {"DURATION", "a duration (90, 90s, 1h30m, 500ms, 1w)"},
      {"DIR", "a directory"},
      {"FILE", "a file name"},
      {"HOST", "a host name"},
      {"HOST:PORT", "an address, HOST:PORT"},
      {"N", "a number"},
      {"NAME", "a name"},
      {"PASSWORD", "a password"},
      {"PATH", "a path"},
      {"PORT", "a port number"},
      {"PREFIX", "a key prefix"},
      {"SEP", "a separator"},
      {"STRING", "a command string"},
      {"TEMPLATE", "a format template"},
      {"URL", "a URL"},
      {"USER", "a user name"},
  };
  const auto found = words.find(value_name);
  return found != words.end() ? found->second : "a " + (value_name.empty() ? std::string("value") : value_name);
}

// "-h/--host" for "--host", as every spelling of the option.
std::string spelled(const CLI::App& app, const std::string& name) {
  const CLI::Option* option = app.get_option_no_throw(name);
  if (option == nullptr) {
    return name;
  }
  std::vector<std::string> names;
  for (const auto& letter : option->get_snames()) {
    names.push_back("-" + letter);
  }
  for (const auto& word : option->get_lnames()) {
    names.push_back("--" + word);
  }
  return names.empty() ? name : fmt::format("{}", fmt::join(names, "/"));
}

// The message's option name ("--host" of "--host: 1 required TEXT
// missing") and what follows it.
std::pair<std::string, std::string> split_name(const std::string& message) {
  const std::size_t colon = message.find(": ");
  if (colon == std::string::npos) {
    return {"", message};
  }
  return {message.substr(0, colon), message.substr(colon + 2)};
}

std::string missing_value(const CLI::App& app, const std::string& message) {
  const auto [name, rest] = split_name(message);
  const CLI::Option* option = app.get_option_no_throw(name);
  if (option == nullptr || rest.find("missing") == std::string::npos) {
    return message;
  }
  return spelled(app, name) + " needs " + value_in_words(option->get_option_text());
}

// What an option a user brings from redis-cli or mosquitto_pub/_sub means
// there, and what to use here instead; empty for any other option.
std::string peer_habit(const std::string& option) {
  static const std::map<std::string, std::string, std::less<>> habits = {
      {"-n", "-n is redis-cli's database; use --db N here"},
      {"-t", "-t is mosquitto's topic; give the CHANNEL as an argument here"},
      {"-m", "-m is mosquitto_pub's message; give MESSAGE after the CHANNEL here"},
  };
  const auto found = habits.find(option);
  return found != habits.end() ? found->second : "";
}

std::string unexpected(const std::string& message) {
  const std::string words = split_name(message).second;
  const std::string first = words.substr(0, words.find(' '));
  if (first.starts_with("-")) {
    const std::string habit = peer_habit(first);
    return "unknown option " + first + (habit.empty() ? "" : ": " + habit);
  }
  return "unexpected argument '" + first + "'";
}

std::string invalid_value(const CLI::App& app, const std::string& message) {
  const auto [name, rest] = split_name(message);
  if (name.empty()) {
    return message;
  }
  return spelled(app, name) + (rest.starts_with("must ") ? " " : ": ") + rest;
}

// "A excludes B", "A requires B".
std::string pair_of_options(const CLI::App& app, const std::string& message, std::string_view verb,
                            std::string_view plain) {
  const std::size_t at = message.find(verb);
  if (at == std::string::npos) {
    return message;
  }
  const std::string first = message.substr(0, at);
  const std::string second = message.substr(at + verb.size());
  return fmt::format("{} {} {}", spelled(app, first), plain, spelled(app, second));
}

// "Could not convert: --tls = maybe": a flag given a value, or a value of
// the wrong type.
std::string unconvertible(const CLI::App& app, const std::string& message) {
  const std::string rest = split_name(message).second;
  const std::size_t equals = rest.find(" = ");
  if (equals == std::string::npos) {
    return message;
  }
  const std::string name = rest.substr(0, equals);
  const std::string value = rest.substr(equals + 3);
  const CLI::Option* option = app.get_option_no_throw(name);
  if (option != nullptr && option->get_expected_max() == 0) {
    return fmt::format("{} takes no value, not '{}'", spelled(app, name), value);
  }
  return fmt::format("{} cannot take '{}'", spelled(app, name), value);
}

} // namespace

std::string plain_parse_error(const CLI::App& app, const CLI::ParseError& error) {
  const std::string message = error.what();
  std::string plain = message;
  if (dynamic_cast<const CLI::ArgumentMismatch*>(&error) != nullptr) {
    plain = missing_value(app, message);
  } else if (dynamic_cast<const CLI::ExtrasError*>(&error) != nullptr) {
    plain = unexpected(message);
  } else if (dynamic_cast<const CLI::ValidationError*>(&error) != nullptr) {
    plain = invalid_value(app, message);
  } else if (dynamic_cast<const CLI::ExcludesError*>(&error) != nullptr) {
    plain = pair_of_options(app, message, " excludes ", "and") + " do not go together";
  } else if (dynamic_cast<const CLI::RequiresError*>(&error) != nullptr) {
    plain = pair_of_options(app, message, " requires ", "needs");
  } else if (dynamic_cast<const CLI::ConversionError*>(&error) != nullptr) {
    plain = unconvertible(app, message);
  }
  return plain + " (for help: --help)";
}

} // namespace statesync::tools
