#include "scheduler/name_tokens.h"

#include <cstdint>
#include <cstring>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace spillway::scheduler {
namespace {

constexpr size_t kBlock = 64;

// One bit per byte of a 64-byte block: where the quotes are, and where a byte
// is one no compact name token holds (below 0x20, above 0x7e, a backslash).
struct BlockMasks {
  uint64_t quotes = 0;
  uint64_t refused = 0;
};

// Inlined into the scan's loop, so the constants are set up once a scan
// rather than once a block. (As a call it was its own 15% of a names
// request in perf; inlined, the request measured the same.)
#if defined(__AVX2__)
inline __attribute__((always_inline)) BlockMasks Classify(const char* block) {
  BlockMasks masks;
  for (int half = 0; half < 2; ++half) {
    const __m256i bytes = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block + 32 * half));
    const __m256i quotes = _mm256_cmpeq_epi8(bytes, _mm256_set1_epi8('"'));
    // Signed compare: bytes from 0x80 are negative, so this also catches them.
    const __m256i control_or_high = _mm256_cmpgt_epi8(_mm256_set1_epi8(0x20), bytes);
    const __m256i refused =
        _mm256_or_si256(control_or_high, _mm256_or_si256(_mm256_cmpeq_epi8(bytes, _mm256_set1_epi8(0x7f)),
                                                         _mm256_cmpeq_epi8(bytes, _mm256_set1_epi8('\\'))));
    const int shift = 32 * half;
    masks.quotes |= static_cast<uint64_t>(static_cast<uint32_t>(_mm256_movemask_epi8(quotes))) << shift;
    masks.refused |= static_cast<uint64_t>(static_cast<uint32_t>(_mm256_movemask_epi8(refused))) << shift;
  }
  return masks;
}
#else
inline BlockMasks Classify(const char* block) {
  BlockMasks masks;
  for (size_t i = 0; i < kBlock; ++i) {
    const auto byte = static_cast<unsigned char>(block[i]);
    if (byte == '"') masks.quotes |= uint64_t{1} << i;
    if (byte < 0x20 || byte > 0x7e || byte == '\\') masks.refused |= uint64_t{1} << i;
  }
  return masks;
}
#endif

// The last block, copied after spaces (neither quotes nor refused) so the
// full-width loads stay inside a buffer of ours.
BlockMasks ClassifyTail(const char* block, size_t size) {
  char padded[kBlock];
  std::memset(padded, ' ', sizeof(padded));
  std::memcpy(padded, block, size);
  return Classify(padded);
}

}  // namespace

bool ScanNameTokens(absl::string_view array, std::vector<absl::string_view>* tokens) {
  const size_t size = array.size();
  if (size < 2 || array.front() != '[' || array.back() != ']') return false;
  const size_t tokens_before = tokens->size();
  const char* data = array.data();
  // Quotes alternate open, close: no backslash means none is escaped. An
  // opening quote must sit where the grammar puts it (just after '[' or the
  // ',' after the last token), and a closing one be followed by ',' or be
  // the array's last token, so nothing else lies between the tokens.
  size_t expected_open = 1;
  size_t open = 0;
  bool in_token = false;
  size_t last_close = 0;
  for (size_t base = 0; base < size; base += kBlock) {
    const size_t left = size - base;
    const BlockMasks masks = left >= kBlock ? Classify(data + base) : ClassifyTail(data + base, left);
    if (masks.refused != 0) {
      tokens->resize(tokens_before);
      return false;
    }
    for (uint64_t quotes = masks.quotes; quotes != 0; quotes &= quotes - 1) {
      const size_t at = base + static_cast<size_t>(__builtin_ctzll(quotes));
      if (!in_token) {
        if (at != expected_open) {
          tokens->resize(tokens_before);
          return false;
        }
        open = at;
        in_token = true;
        continue;
      }
      tokens->emplace_back(data + open, at - open + 1);
      in_token = false;
      last_close = at;
      // `at` < size - 1 (the last byte is ']'): the byte after exists.
      if (at + 2 != size) {
        if (data[at + 1] != ',') {
          tokens->resize(tokens_before);
          return false;
        }
        expected_open = at + 2;
      }
    }
  }
  const bool empty = size == 2;
  if (!empty && (in_token || tokens->size() == tokens_before || last_close + 2 != size)) {
    tokens->resize(tokens_before);
    return false;
  }
  return true;
}

}  // namespace spillway::scheduler
