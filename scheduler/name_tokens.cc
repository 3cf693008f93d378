#include "scheduler/name_tokens.h"

#include <cstdint>
#include <cstring>
#include <limits>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace spillway::scheduler {
namespace {

constexpr size_t kBlock = 64;

// One bit per byte of a 64-byte block: where the quotes and commas are, and
// where a byte is one no compact name token holds (below 0x20, above 0x7e, a
// backslash).
struct BlockMasks {
  uint64_t quotes = 0;
  uint64_t commas = 0;
  uint64_t refused = 0;
};

// Inlined into the scan's loop, so the constants are set up once a scan
// rather than once a block.
#if defined(__AVX2__)
inline __attribute__((always_inline)) uint64_t Equal(const char* block, char byte) {
  const __m256i wanted = _mm256_set1_epi8(byte);
  const __m256i low = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block));
  const __m256i high = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block + 32));
  return static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(low, wanted))) |
         static_cast<uint64_t>(static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(high, wanted)))) << 32;
}

inline __attribute__((always_inline)) BlockMasks Classify(const char* block) {
  BlockMasks masks;
  for (int half = 0; half < 2; ++half) {
    const __m256i bytes = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block + 32 * half));
    const __m256i quotes = _mm256_cmpeq_epi8(bytes, _mm256_set1_epi8('"'));
    const __m256i commas = _mm256_cmpeq_epi8(bytes, _mm256_set1_epi8(','));
    // Signed compare: bytes from 0x80 are negative, so this also catches them.
    const __m256i control_or_high = _mm256_cmpgt_epi8(_mm256_set1_epi8(0x20), bytes);
    const __m256i refused =
        _mm256_or_si256(control_or_high, _mm256_or_si256(_mm256_cmpeq_epi8(bytes, _mm256_set1_epi8(0x7f)),
                                                         _mm256_cmpeq_epi8(bytes, _mm256_set1_epi8('\\'))));
    const int shift = 32 * half;
    masks.quotes |= static_cast<uint64_t>(static_cast<uint32_t>(_mm256_movemask_epi8(quotes))) << shift;
    masks.commas |= static_cast<uint64_t>(static_cast<uint32_t>(_mm256_movemask_epi8(commas))) << shift;
    masks.refused |= static_cast<uint64_t>(static_cast<uint32_t>(_mm256_movemask_epi8(refused))) << shift;
  }
  return masks;
}

// Bit i: the XOR of bits 0..i of `bits` (set from an opening quote up to,
// not including, its closing one), one carry-less multiply.
inline uint64_t PrefixXor(uint64_t bits) {
  return static_cast<uint64_t>(_mm_cvtsi128_si64(
      _mm_clmulepi64_si128(_mm_set_epi64x(0, static_cast<int64_t>(bits)), _mm_set1_epi8(-1), 0)));
}
#else
inline uint64_t Equal(const char* block, char byte) {
  uint64_t mask = 0;
  for (size_t i = 0; i < kBlock; ++i) mask |= uint64_t{block[i] == byte} << i;
  return mask;
}

inline BlockMasks Classify(const char* block) {
  BlockMasks masks;
  for (size_t i = 0; i < kBlock; ++i) {
    const auto byte = static_cast<unsigned char>(block[i]);
    if (byte == '"') masks.quotes |= uint64_t{1} << i;
    if (byte == ',') masks.commas |= uint64_t{1} << i;
    if (byte < 0x20 || byte > 0x7e || byte == '\\') masks.refused |= uint64_t{1} << i;
  }
  return masks;
}

inline uint64_t PrefixXor(uint64_t bits) {
  for (int shift = 1; shift < 64; shift *= 2) bits ^= bits << shift;
  return bits;
}
#endif

// The last block, copied after spaces (neither quotes, commas nor refused)
// so the full-width loads stay inside a buffer of ours.
struct PaddedTail {
  PaddedTail(const char* block, size_t size) {
    std::memset(bytes, ' ', sizeof(bytes));
    std::memcpy(bytes, block, size);
  }
  char bytes[kBlock];
};

}  // namespace

// The grammar, checked on whole blocks. The bytes inside strings are those
// from an opening quote up to its closing one (a prefix XOR of the quotes,
// carried from block to block: no backslash means no quote is escaped).
// Outside strings, but for the '[' first and the ']' last, every byte must
// be a comma; a comma must come just after a closing quote; and the byte
// after a closing quote must be a comma or the final ']'. Together these
// leave exactly '[' "..." {',' "..."} ']': an opening quote can then only
// follow '[' or a comma, and a comma only precede an opening quote (or the
// ']', excluded by checking the byte before it).
void CompactNames::Clear() {
  bytes_ = absl::string_view();
  count_ = 0;
  starts_.clear();
  ends_.clear();
}

bool CompactNames::Scan(absl::string_view array) {
  Clear();
  const size_t size = array.size();
  if (size < 2 || array.front() != '[' || array.back() != ']' || size > std::numeric_limits<uint32_t>::max()) {
    return false;
  }
  if (size > 2 && (array[1] != '"' || array[size - 2] != '"')) return false;
  const char* data = array.data();
  const size_t blocks = (size + kBlock - 1) / kBlock;
  starts_.resize(blocks);
  ends_.resize(blocks);
  uint64_t in_string = 0;     // All ones when the last block ended inside a string.
  uint64_t close_carry = 0;   // 1 when the last block's last byte closed a string.
  uint64_t start_carry = 0;   // 1 when the last block's last byte opened one.
  size_t count = 0;
  uint64_t errors = 0;
  for (size_t block = 0; block < blocks; ++block) {
    const size_t base = block * kBlock;
    const size_t left = size - base;
    const bool last = left <= kBlock;
    const BlockMasks masks = last ? Classify(PaddedTail(data + base, left).bytes) : Classify(data + base);
    const uint64_t valid = last ? (left == kBlock ? ~uint64_t{0} : (uint64_t{1} << left) - 1) : ~uint64_t{0};
    const uint64_t strings = PrefixXor(masks.quotes) ^ in_string;
    in_string = static_cast<uint64_t>(static_cast<int64_t>(strings) >> 63);
    const uint64_t opens = masks.quotes & strings;
    const uint64_t closes = masks.quotes & ~strings;
    uint64_t brackets = block == 0 ? 1 : 0;
    if (last) brackets |= uint64_t{1} << (left - 1);
    const uint64_t outside = ~strings & ~masks.quotes & valid & ~brackets;
    const uint64_t after_close = (closes << 1) | close_carry;
    // Gathered rather than tested block by block: an array is almost always
    // compact, and a branch per block cost more than reading to the end.
    errors |= (masks.refused & valid) | (outside & ~masks.commas) | (outside & ~after_close) |
              (after_close & valid & ~brackets & ~outside);
    close_carry = closes >> 63;
    starts_[block] = (opens << 1) | start_carry;
    start_carry = opens >> 63;
    ends_[block] = closes;
    count += static_cast<size_t>(__builtin_popcountll(opens));
  }
  if (errors != 0 || in_string != 0) {
    Clear();
    return false;
  }
  bytes_ = array;
  count_ = count;
  return true;
}

void CompactNames::AppendTokens(std::vector<absl::string_view>* tokens) const {
  const size_t first = tokens->size();
  tokens->resize(first + count_);
  absl::string_view* out = tokens->data() + first;
  const char* data = bytes_.data();
  // Names begin and end in order: one pass sets where each token opens,
  // another its length.
  size_t k = 0;
  for (size_t block = 0; block < starts_.size(); ++block) {
    for (uint64_t bits = starts_[block]; bits != 0; bits &= bits - 1) {
      out[k++] = absl::string_view(data + block * kBlock + static_cast<size_t>(__builtin_ctzll(bits)) - 1, 0);
    }
  }
  k = 0;
  for (size_t block = 0; block < ends_.size(); ++block) {
    for (uint64_t bits = ends_[block]; bits != 0; bits &= bits - 1) {
      const char* close = data + block * kBlock + static_cast<size_t>(__builtin_ctzll(bits));
      out[k] = absl::string_view(out[k].data(), static_cast<size_t>(close - out[k].data()) + 1);
      ++k;
    }
  }
}

absl::string_view CompactNames::TokenAt(size_t start) const {
  // The first closing quote at or after `start`: in its block, or the next.
  size_t block = start / kBlock;
  uint64_t ends = ends_[block] & (~uint64_t{0} << (start % kBlock));
  while (ends == 0) ends = ends_[++block];
  const size_t close = block * kBlock + static_cast<size_t>(__builtin_ctzll(ends));
  return absl::string_view(bytes_.data() + start - 1, close - start + 2);
}

void CompactNames::AppendTokensAt(const std::vector<size_t>& indices, std::vector<absl::string_view>* tokens) const {
  size_t before = 0;  // Names that begin in blocks before `block`.
  size_t block = 0;
  for (size_t index : indices) {
    size_t in_block = static_cast<size_t>(__builtin_popcountll(starts_[block]));
    while (before + in_block <= index) {
      before += in_block;
      in_block = static_cast<size_t>(__builtin_popcountll(starts_[++block]));
    }
    uint64_t bits = starts_[block];
    for (size_t skip = index - before; skip > 0; --skip) bits &= bits - 1;
    tokens->push_back(TokenAt(block * kBlock + static_cast<size_t>(__builtin_ctzll(bits))));
  }
}

void CompactNames::FindStartingWith(const std::bitset<256>& first_bytes, std::vector<Found>* found) const {
  if (first_bytes.none() || count_ == 0) return;
  // The set's bytes when they are few (one per virtual-node name prefix is
  // usual): then compared 64 bytes at a time rather than name by name.
  char few[4];
  int few_count = 0;
  for (int byte = 0; byte < 256 && few_count <= 4; ++byte) {
    if (!first_bytes[byte]) continue;
    if (few_count < 4) few[few_count] = static_cast<char>(byte);
    ++few_count;
  }
  const bool vector_compare = few_count <= 4;
  size_t before = 0;  // Names that begin in earlier blocks.
  for (size_t block = 0; block < starts_.size(); ++block) {
    const uint64_t starts = starts_[block];
    if (starts == 0) continue;
    const size_t base = block * kBlock;
    uint64_t hits = 0;
    if (vector_compare) {
      const size_t left = bytes_.size() - base;
      const char* bytes = bytes_.data() + base;
      uint64_t equal = 0;
      if (left >= kBlock) {
        for (int i = 0; i < few_count; ++i) equal |= Equal(bytes, few[i]);
      } else {
        const PaddedTail tail(bytes, left);
        for (int i = 0; i < few_count; ++i) equal |= Equal(tail.bytes, few[i]);
      }
      hits = starts & equal;
    } else {
      for (uint64_t bits = starts; bits != 0; bits &= bits - 1) {
        const int bit = __builtin_ctzll(bits);
        if (first_bytes[static_cast<unsigned char>(bytes_[base + static_cast<size_t>(bit)])]) {
          hits |= uint64_t{1} << bit;
        }
      }
    }
    for (; hits != 0; hits &= hits - 1) {
      const int bit = __builtin_ctzll(hits);
      const size_t below = static_cast<size_t>(__builtin_popcountll(starts & ((uint64_t{1} << bit) - 1)));
      found->push_back({before + below, TokenAt(base + static_cast<size_t>(bit))});
    }
    before += static_cast<size_t>(__builtin_popcountll(starts));
  }
}

void CompactNames::AppendAllBut(const std::vector<absl::string_view>& excluded_tokens, std::string* out) const {
  // Between '[' and ']', the tokens run "t,t,...,t". Each excluded token
  // takes the comma before it out of the run that ends there, and the
  // comma after it out of the run that follows.
  const char* cursor = bytes_.data() + 1;
  const char* end = bytes_.data() + bytes_.size() - 1;
  bool first_run = true;
  auto append_run = [&](const char* from, const char* to) {
    if (from >= to) return;
    if (!first_run) out->push_back(',');
    out->append(from, static_cast<size_t>(to - from));
    first_run = false;
  };
  for (absl::string_view token : excluded_tokens) {
    append_run(cursor, token.data() - 1);
    cursor = token.data() + token.size() + 1;
  }
  append_run(cursor, end);
}

bool ScanNameTokens(absl::string_view array, std::vector<absl::string_view>* tokens) {
  CompactNames names;
  if (!names.Scan(array)) return false;
  names.AppendTokens(tokens);
  return true;
}

}  // namespace spillway::scheduler
