#pragma once
// Whole-file writes that never leave a half-written file behind: the text is
// written to "<path>.tmp-<pid>" and then renamed over <path> (rename is atomic
// within one file system).  No fsync: this protects readers and interrupted
// runs, not against power loss.
#include <string>

namespace phusong::io {

// Writes `text` byte for byte (binary mode, no newline translation) to `path`,
// replacing any existing file.  Throws phusong::Error naming the path when the
// temporary file cannot be written or renamed; the temporary file is removed
// on failure.
void write_text_file_atomic(const std::string& path, const std::string& text);

}  // namespace phusong::io
