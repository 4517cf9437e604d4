# Writes OUTPUT, a C++ file defining statesync::detail::lua::<name> for each
# Lua script in INPUTS (paths separated by '|'), so the scripts ship inside
# the library.
string(REPLACE "|" ";" INPUTS "${INPUTS}")
set(body "// Generated from lib/src/*.lua by cmake/EmbedLua.cmake. Do not edit.\n#include <string_view>\n\nnamespace statesync::detail::lua {\n")
foreach(input IN LISTS INPUTS)
  get_filename_component(name ${input} NAME_WE)
  file(READ ${input} text)
  string(APPEND body "extern const std::string_view ${name};\nconst std::string_view ${name} = R\"statesync_lua(${text})statesync_lua\";\n")
endforeach()
string(APPEND body "} // namespace statesync::detail::lua\n")
file(WRITE ${OUTPUT} "${body}")
