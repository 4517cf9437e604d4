#include "safe_file.hpp"

#include <statesync/error.hpp>
#include <statesync/state_mirror.hpp>

#include <fmt/format.h>

#include <charconv>
#include <map>
#include <sys/stat.h>

namespace statesync {
namespace {

constexpr const char* index_name = ".statesync-index";

bool is_directory(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

// An index line's name: bytes that would break a line or a field as %XX
// (and '%' itself), the rest as they are.
std::string index_escaped(std::string_view name) {
  std::string text;
  for (const char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f || byte == '%') {
      fmt::format_to(std::back_inserter(text), "%{:02X}", byte);
    } else {
      text += c;
    }
  }
  return text;
}

std::string index_unescaped(std::string_view text) {
  std::string name;
  for (std::size_t i = 0; i < text.size(); ++i) {
    unsigned byte = 0;
    if (text[i] == '%' && i + 2 < text.size() &&
        std::from_chars(text.data() + i + 1, text.data() + i + 3, byte, 16).ptr == text.data() + i + 3) {
      name += static_cast<char>(byte);
      i += 2;
    } else {
      name += text[i];
    }
  }
  return name;
}

} // namespace

struct StateMirror::Impl {
  struct State {
    std::optional<std::string> content; // nullopt: cleared
    std::optional<long long> version;
  };

  StateMirrorOptions options;
  std::map<std::string, State> pending;
  std::map<std::string, std::string> index; // directory mode: file name -> name

  std::string path_for(std::string_view name) const {
    if (!options.file.empty()) {
      return mirror::real_target(options.file);
    }
    return mirror::real_target(options.dir + "/" + mirror_file_name(name));
  }

  void read_index() {
    const auto text = mirror::read_content(options.dir + "/" + index_name);
    if (!text) {
      return;
    }
    std::size_t start = 0;
    while (start < text->size()) {
      auto end = text->find('\n', start);
      if (end == std::string::npos) {
        end = text->size();
      }
      const std::string_view line(text->data() + start, end - start);
      if (const auto tab = line.find('\t'); tab != std::string_view::npos) {
        index[std::string(line.substr(0, tab))] = index_unescaped(line.substr(tab + 1));
      }
      start = end + 1;
    }
  }

  void write_index() {
    std::string text;
    for (const auto& [file, name] : index) {
      text += file + "\t" + index_escaped(name) + "\n";
    }
    const std::string path = options.dir + "/" + index_name;
    if (mirror::read_content(path) == text) {
      return;
    }
    mirror::StagedFile staged(path, text, 0644);
    staged.put_in_place();
  }
};

StateMirror::StateMirror(StateMirrorOptions options) : impl_(std::make_unique<Impl>()) {
  if (options.file.empty() == options.dir.empty()) {
    throw Error(ErrorKind::usage, "a state mirror needs one file or one directory");
  }
  if (options.mode > 07777) {
    throw Error(ErrorKind::usage, fmt::format("file mode {:o} is not a mode (0 to 7777, octal)", options.mode));
  }
  if (!options.dir.empty() && !is_directory(options.dir)) {
    throw Error(ErrorKind::output, fmt::format("cannot write to {}: not a directory", options.dir));
  }
  impl_->options = std::move(options);
  if (!impl_->options.file.empty()) {
    impl_->path_for(""); // a missing directory is refused now, not at the first state
  } else {
    impl_->read_index();
  }
}

StateMirror::StateMirror(StateMirror&&) noexcept = default;
StateMirror& StateMirror::operator=(StateMirror&&) noexcept = default;
StateMirror::~StateMirror() = default;

void StateMirror::set(const std::string& name, std::string content, std::optional<long long> version) {
  impl_->pending[name] = {std::move(content), version};
}

void StateMirror::clear(const std::string& name) {
  impl_->pending[name] = {std::nullopt, std::nullopt};
}

bool StateMirror::pending() const noexcept {
  return !impl_->pending.empty();
}

bool StateMirror::differs() const {
  for (const auto& [name, state] : impl_->pending) {
    if (!state.content && impl_->options.keep_on_clear) {
      continue;
    }
    if (mirror::read_content(impl_->path_for(name)) != state.content) {
      return true;
    }
  }
  return false;
}

std::string StateMirror::pending_digest() const {
  if (impl_->pending.size() == 1) {
    return content_digest(impl_->pending.begin()->second.content.value_or(""));
  }
  std::string all;
  for (const auto& [name, state] : impl_->pending) {
    all += name + '\0' + (state.content ? "=" + *state.content : std::string("cleared")) + '\0';
  }
  return content_digest(all);
}

std::optional<long long> StateMirror::pending_version() const {
  return impl_->pending.size() == 1 ? impl_->pending.begin()->second.version : std::nullopt;
}

void StateMirror::discard() noexcept {
  impl_->pending.clear();
}

MirrorApplied StateMirror::apply(const MirrorValidator& validate) {
  MirrorApplied applied;
  bool index_changed = false;
  while (!impl_->pending.empty()) {
    const auto it = impl_->pending.begin();
    const std::string& name = it->first;
    const Impl::State& state = it->second;
    MirrorChange change{name, impl_->path_for(name), !state.content, state.version, std::nullopt};
    change.previous = mirror::read_content(change.path);
    if (!state.content) {
      if (!impl_->options.keep_on_clear && change.previous) {
        mirror::remove_file(change.path);
        applied.changes.push_back(std::move(change));
      }
      if (!impl_->options.dir.empty() && !impl_->options.keep_on_clear) {
        index_changed = impl_->index.erase(mirror_file_name(name)) > 0 || index_changed;
      }
    } else if (change.previous != state.content) {
      mirror::StagedFile staged(change.path, *state.content, impl_->options.mode);
      std::optional<std::string> refusal;
      if (validate) {
        refusal = validate(name, staged.temp_path());
      }
      if (refusal) {
        applied.refused.push_back({name, *refusal});
      } else {
        staged.put_in_place();
        applied.changes.push_back(std::move(change));
      }
    }
    if (!impl_->options.dir.empty() && state.content) {
      auto& indexed = impl_->index[mirror_file_name(name)];
      index_changed = index_changed || indexed != name;
      indexed = name;
    }
    impl_->pending.erase(it);
  }
  if (index_changed) {
    impl_->write_index();
  }
  return applied;
}

void StateMirror::revert(const std::vector<MirrorChange>& changes) {
  for (const auto& change : changes) {
    if (change.previous) {
      mirror::StagedFile staged(change.path, *change.previous, impl_->options.mode);
      staged.put_in_place();
    } else {
      mirror::remove_file(change.path);
    }
  }
}

std::string StateMirror::path_for(std::string_view name) const {
  return impl_->path_for(name);
}

} // namespace statesync
