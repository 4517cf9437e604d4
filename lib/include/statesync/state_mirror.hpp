#pragma once
/// @file
/// Files that mirror a state: a channel's retained state or a key's value
/// kept in a file on this host (statesync-sub --to-file, --to-dir).
///
/// A file is replaced whole: the new content is written beside the file's
/// real path (a symbolic link is followed to its target's directory) under
/// a hidden temporary name that no `*.conf`-style glob matches
/// (`.NAME.statesync-XXXXXX`), given its mode and the existing file's owner,
/// fsynced, renamed over the file, and the directory fsynced: a reader sees
/// the old file or the new one, never part of one, and a crash leaves one
/// of the two. A file is written only when its content differs from what
/// is on disk, so a reconnect or a restart that reads the same state again
/// touches nothing (the mtime stays). Content is compared, never versions:
/// a version starts again at 1 after a clear or an expiry.
///
/// States given while the caller is busy (running a reload command, say)
/// are coalesced: set() keeps only the latest state of each name, and the
/// next apply() writes that one.
///
/// Directory mode maps each name (a channel or a key, any bytes) to one
/// file name by mirror_file_name(), which never escapes the directory, and
/// keeps an index file, `.statesync-index`, mapping each file back to its
/// name.

#include <statesync/export.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace statesync {

/// What a StateMirror writes, and where. Exactly one of `file` and `dir`.
struct STATESYNC_API StateMirrorOptions {
  /// One file that holds the state of the one name given to set().
  std::string file{};
  /// A directory: one file per name, named by mirror_file_name().
  std::string dir{};
  /// The permission bits of every file written (a new file's and a
  /// replaced one's alike).
  unsigned mode = 0644;
  /// Directory mode: keep a file when its name's state is cleared (by
  /// default the file is removed).
  bool keep_on_clear = false;
};

/// One file that apply() replaced, created or removed.
struct STATESYNC_API MirrorChange {
  /// The channel or key whose state the file holds.
  std::string name;
  /// The file's path (the real path, where the target was a symbolic link).
  std::string path;
  /// True: the file was removed (the state was cleared).
  bool removed = false;
  /// The state's version, where set() was given one.
  std::optional<long long> version;
  /// The file's content before; nullopt: there was no file.
  std::optional<std::string> previous;
};

/// A new content that apply() did not put in place: the validator refused it.
struct STATESYNC_API MirrorRefusal {
  /// The channel or key.
  std::string name;
  /// The validator's words (e.g. "exited with status 1").
  std::string reason;
};

/// What one apply() did.
struct STATESYNC_API MirrorApplied {
  /// The files replaced, created or removed, in name order.
  std::vector<MirrorChange> changes;
  /// The new contents refused by the validator (their files unchanged).
  std::vector<MirrorRefusal> refused;
};

/// Checks a new content before it replaces a file: given the name and the
/// path of a temporary file holding the new content, returns nullopt to
/// accept it or the reason it is refused.
using MirrorValidator = std::function<std::optional<std::string>(const std::string& name, const std::string& new_file)>;

/// Keeps files equal to states. Does not talk to any server: the caller
/// gives it the states. Not thread-safe: one thread at a time.
class STATESYNC_API StateMirror {
public:
  /// Checks the options: throws Error(usage) unless exactly one of `file`
  /// and `dir` is given or for a mode above 07777; Error(output) when the
  /// directory (or the file's directory) does not exist. Directory mode
  /// reads the index file left by an earlier run. Blocks on the file system
  /// only.
  explicit StateMirror(StateMirrorOptions options);
  /// Moves the mirror; the moved-from object may only be destroyed.
  StateMirror(StateMirror&&) noexcept;
  /// Moves the mirror.
  StateMirror& operator=(StateMirror&&) noexcept;
  /// Not copied.
  StateMirror(const StateMirror&) = delete;
  /// Not copied.
  StateMirror& operator=(const StateMirror&) = delete;
  /// Discards pending states (nothing is written).
  ~StateMirror();

  /// Records `content` as the state of `name`, in place of any state of
  /// `name` recorded and not yet applied. Does not write; never blocks.
  void set(const std::string& name, std::string content, std::optional<long long> version = std::nullopt);
  /// Records that `name` has no state (cleared, expired, deleted). Never
  /// blocks.
  void clear(const std::string& name);
  /// True when states are recorded and not yet applied (whether or not
  /// they differ from the files).
  bool pending() const noexcept;
  /// True when a recorded state differs from its file now (reads the
  /// files: blocks on the file system).
  bool differs() const;
  /// The identity of the recorded states: content_digest() of the one
  /// state's content (of every name and content, where there are several).
  /// Never blocks.
  std::string pending_digest() const;
  /// The version of the one recorded state, where it has one. Never blocks.
  std::optional<long long> pending_version() const;
  /// Forgets the recorded states: nothing is written for them. Never blocks.
  void discard() noexcept;

  /// Puts the recorded states in place: for each whose content differs
  /// from its file, writes it (as the file comment says), asks `validate`
  /// (when given) before the rename, and renames it over the file; removes
  /// the file of a cleared state (unless keep_on_clear). Then rewrites the
  /// index when the set of files changed. Blocks on the file system and on
  /// `validate`. Throws Error(output) when a file cannot be written or
  /// renamed (a bind-mounted file, a full disk), or when the owner of an
  /// existing file cannot be kept (refused, not changed); the states not
  /// yet applied stay recorded.
  MirrorApplied apply(const MirrorValidator& validate = {});

  /// Puts back the content each change had before (removes a file that
  /// did not exist), the same safe way. Throws as apply().
  void revert(const std::vector<MirrorChange>& changes);

  /// The path of the file that holds `name`'s state (the real path, where
  /// the target is a symbolic link). Blocks on the file system.
  std::string path_for(std::string_view name) const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The file name a channel or key maps to in directory mode. Bytes
/// A-Z a-z 0-9 `_` `-` and `.` (not first) stay; every other byte,
/// `%` included, becomes `%XX` (upper-case hex), so no name gives `.`, `..`,
/// a hidden file, a `/` or a control byte. A result over 200 bytes is cut
/// to 183 and followed by `~` and 16 hex digits of the name's 64-bit FNV-1a
/// hash, which keeps it (and the temporary name beside it) within the file
/// system's 255-byte limit. Never throws for a non-empty name;
/// Error(usage) for an empty one.
STATESYNC_API std::string mirror_file_name(std::string_view name);

/// 16 hex digits of the 64-bit FNV-1a hash of `bytes`: a content's
/// identity, for messages and for a rollout's halt (not cryptographic).
STATESYNC_API std::string content_digest(std::string_view bytes);

} // namespace statesync
