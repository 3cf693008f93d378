// A text assembled from pieces: a few copied in, most borrowed from buffers
// it keeps alive. For an answer that is mostly bytes already in memory (the
// extender's names-mode filter answer is the request's own NodeNames array
// but for the names that fail), handed to the HTTP server as the pieces,
// which it sends with one gathered write instead of joining them into one
// more copy first (http::Response::body_pieces).
//
// Thread-compatible: built by one thread, then only read (shared as
// shared_ptr<const TextPieces>).
#ifndef SPILLWAY_COMMON_TEXT_PIECES_H_
#define SPILLWAY_COMMON_TEXT_PIECES_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace spillway {

class TextPieces {
 public:
  // Appends a copy of `text`; copies that follow each other join one piece.
  void Append(absl::string_view text) {
    if (text.empty()) return;
    if (!pieces_.empty() && pieces_.back().borrowed == nullptr) {
      pieces_.back().size += text.size();
    } else {
      pieces_.push_back(Piece{nullptr, copied_.size(), text.size()});
    }
    copied_.append(text.data(), text.size());
    size_ += text.size();
  }

  // Appends `bytes` without copying them. They must stay valid and unchanged
  // while an owner given to KeepAlive lives (or as long as the caller
  // otherwise guarantees).
  void AppendBorrowed(absl::string_view bytes) {
    if (bytes.empty()) return;
    pieces_.push_back(Piece{bytes.data(), 0, bytes.size()});
    size_ += bytes.size();
  }

  // Keeps `owner` (what borrowed bytes point into) alive as long as this.
  void KeepAlive(std::shared_ptr<const void> owner) { owners_.push_back(std::move(owner)); }

  size_t size() const { return size_; }
  size_t piece_count() const { return pieces_.size(); }

  // Calls `visit(piece)` for each piece, in order.
  template <typename Visit>
  void ForEach(Visit visit) const {
    for (const Piece& piece : pieces_) {
      visit(absl::string_view(piece.borrowed != nullptr ? piece.borrowed : copied_.data() + piece.offset,
                              piece.size));
    }
  }

  // The whole text, joined (tests, logs).
  std::string Joined() const {
    std::string out;
    out.reserve(size_);
    ForEach([&](absl::string_view piece) { out.append(piece.data(), piece.size()); });
    return out;
  }

 private:
  struct Piece {
    const char* borrowed;  // Null: copied_[offset, offset + size).
    size_t offset;
    size_t size;
  };
  std::string copied_;
  std::vector<Piece> pieces_;
  std::vector<std::shared_ptr<const void>> owners_;
  size_t size_ = 0;
};

}  // namespace spillway

#endif  // SPILLWAY_COMMON_TEXT_PIECES_H_
