#pragma once
// Glob patterns as Redis reads them (KEYS, SCAN MATCH, PSUBSCRIBE): `*`,
// `?`, `[abc]`, `[^a-z]`, and `\` quoting the next character. The watcher
// asks the server to track a pattern's literal prefix and matches the rest
// itself.

#include <string>
#include <string_view>

namespace statesync::detail {

// Whether `text` matches `pattern`, byte by byte (binary-safe).
bool glob_match(std::string_view pattern, std::string_view text);

// The literal bytes every match starts with: the pattern up to its first
// glob character, with quoting removed ("app\*x.*" gives "app*x.").
std::string glob_literal_prefix(std::string_view pattern);

} // namespace statesync::detail
