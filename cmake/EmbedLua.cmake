# Writes OUTPUT, a C++ file defining statesync::detail::lua::<name> and
# <name>_sha1 for each
# Lua script in INPUTS (paths separated by '|'), so the scripts ship inside
# the library.
string(REPLACE "|" ";" INPUTS "${INPUTS}")
set(body "// Generated from lib/src/*/*.lua by cmake/EmbedLua.cmake. Do not edit.\n#include <string_view>\n\nnamespace statesync::detail::lua {\n")
foreach(input IN LISTS INPUTS)
  get_filename_component(name ${input} NAME_WE)
  file(READ ${input} text)
  # The SHA1 that EVALSHA names the script by, computed here so that the
  # library need not link a crypto library for it.
  string(SHA1 sha1 "${text}")
  string(APPEND body "extern const std::string_view ${name};\nconst std::string_view ${name} = R\"statesync_lua(${text})statesync_lua\";\n")
  string(APPEND body "extern const std::string_view ${name}_sha1;\nconst std::string_view ${name}_sha1 = \"${sha1}\";\n")
endforeach()
string(APPEND body "} // namespace statesync::detail::lua\n")
file(WRITE ${OUTPUT} "${body}")
