#include "scheduler/name_tokens.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace spillway::scheduler {
namespace {

constexpr size_t kBlock = 64;

// One bit per byte of a 64-byte block: where the quotes and commas are.
// Bytes no compact name token holds (below 0x20, above 0x7e, a backslash)
// are gathered over the whole scan instead: only whether there were any
// matters.
struct BlockMasks {
  uint64_t quotes = 0;
  uint64_t commas = 0;
  uint64_t marked = 0;  // Bytes equal to one of the scan's marked bytes.
};

// Up to four bytes a scan marks where they begin a name (CompactNames::Scan).
struct MarkedBytes {
  char bytes[4] = {};
  int count = 0;
};

// Classifies 64-byte blocks, marking `kMarks` bytes (MarkedBytes). Built
// once a scan, outside its loop: the constants are set up once, and the
// loop is specialised for the number of marked bytes.
#if defined(__AVX2__)
template <int kMarks>
class Classifier {
 public:
  explicit Classifier(const MarkedBytes& marks) {
    for (int i = 0; i < kMarks; ++i) marks_[i] = _mm256_set1_epi8(marks.bytes[i]);
  }

  // The block's masks; its refused bytes are gathered into `refused`
  // (Refused says whether there were any), not returned.
  BlockMasks operator()(const char* block, __m256i* refused) const {
    const Half low = Read(block, refused);
    const Half high = Read(block + 32, refused);
    return BlockMasks{Join(low.quotes, high.quotes), Join(low.commas, high.commas), Join(low.marked, high.marked)};
  }

  static __m256i NoneRefused() { return _mm256_setzero_si256(); }
  static bool Refused(__m256i refused) { return !_mm256_testz_si256(refused, refused); }

 private:
  struct Half {
    uint32_t quotes, commas, marked;
  };

  static uint64_t Join(uint32_t low, uint32_t high) { return low | static_cast<uint64_t>(high) << 32; }
  static uint32_t Mask(__m256i bytes) { return static_cast<uint32_t>(_mm256_movemask_epi8(bytes)); }

  Half Read(const char* at, __m256i* refused_bytes) const {
    const __m256i bytes = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at));
    __m256i marked = _mm256_setzero_si256();
    for (int i = 0; i < kMarks; ++i) marked = _mm256_or_si256(marked, _mm256_cmpeq_epi8(bytes, marks_[i]));
    // Outside 0x20-0x7e in one signed compare: plus one, the printable bytes
    // are 0x21-0x7f and every other byte is below 0x21 (0x00-0x1f become
    // 0x01-0x20, and 0x7f-0xff wrap to 0x80-0x00, negative or zero).
    const __m256i unprintable = _mm256_cmpgt_epi8(bang_, _mm256_add_epi8(bytes, one_));
    const __m256i refused = _mm256_or_si256(unprintable, _mm256_cmpeq_epi8(bytes, backslash_));
    *refused_bytes = _mm256_or_si256(*refused_bytes, refused);
    return Half{Mask(_mm256_cmpeq_epi8(bytes, quote_)), Mask(_mm256_cmpeq_epi8(bytes, comma_)),
                kMarks > 0 ? Mask(marked) : 0};
  }

  const __m256i quote_ = _mm256_set1_epi8('"');
  const __m256i comma_ = _mm256_set1_epi8(',');
  const __m256i one_ = _mm256_set1_epi8(1);
  const __m256i bang_ = _mm256_set1_epi8(0x21);
  const __m256i backslash_ = _mm256_set1_epi8('\\');
  __m256i marks_[kMarks > 0 ? kMarks : 1];
};

inline uint64_t Equal(const char* block, char byte) {
  const __m256i wanted = _mm256_set1_epi8(byte);
  const __m256i low = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block));
  const __m256i high = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block + 32));
  return static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(low, wanted))) |
         static_cast<uint64_t>(static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(high, wanted)))) << 32;
}

// Bit i: the XOR of bits 0..i of `bits` (set from an opening quote up to,
// not including, its closing one), one carry-less multiply.
inline uint64_t PrefixXor(uint64_t bits) {
  return static_cast<uint64_t>(_mm_cvtsi128_si64(
      _mm_clmulepi64_si128(_mm_set_epi64x(0, static_cast<int64_t>(bits)), _mm_set1_epi8(-1), 0)));
}
#else
template <int kMarks>
class Classifier {
 public:
  explicit Classifier(const MarkedBytes& marks) : marks_(marks) {}

  BlockMasks operator()(const char* block, uint64_t* refused) const {
    BlockMasks masks;
    for (size_t i = 0; i < kBlock; ++i) {
      const auto byte = static_cast<unsigned char>(block[i]);
      for (int m = 0; m < kMarks; ++m) {
        if (block[i] == marks_.bytes[m]) masks.marked |= uint64_t{1} << i;
      }
      if (byte == '"') masks.quotes |= uint64_t{1} << i;
      if (byte == ',') masks.commas |= uint64_t{1} << i;
      if (byte < 0x20 || byte > 0x7e || byte == '\\') *refused |= uint64_t{1} << i;
    }
    return masks;
  }

  static uint64_t NoneRefused() { return 0; }
  static bool Refused(uint64_t refused) { return refused != 0; }

 private:
  MarkedBytes marks_;
};

inline uint64_t Equal(const char* block, char byte) {
  uint64_t mask = 0;
  for (size_t i = 0; i < kBlock; ++i) mask |= uint64_t{block[i] == byte} << i;
  return mask;
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

void CompactNames::Clear() {
  bytes_ = absl::string_view();
  count_ = 0;
  starts_.clear();
  ends_.clear();
  names_before_.clear();
  marked_.clear();
  marked_set_.reset();
}

namespace {

// The bytes of `set` when there are at most four (one per virtual-node name
// prefix is usual): they are then compared 32 at a time. Null otherwise.
std::optional<MarkedBytes> FewBytes(const std::bitset<256>& set) {
  MarkedBytes few;
  for (int byte = 0; byte < 256; ++byte) {
    if (!set[byte]) continue;
    if (few.count == 4) return std::nullopt;
    few.bytes[few.count++] = static_cast<char>(byte);
  }
  return few;
}

// Where ScanBlocks writes each block's masks (CompactNames' vectors, sized).
struct BlockOutput {
  uint64_t* starts;
  uint64_t* ends;
  uint32_t* names_before;
  // Appended to when kMarks > 0: (index, start) of each marked name.
  std::vector<std::pair<size_t, size_t>>* marked;
};

// The grammar, checked on whole blocks. The bytes inside strings are those
// from an opening quote up to its closing one (a prefix XOR of the quotes,
// carried from block to block: no backslash means no quote is escaped).
// Outside strings, but for the '[' first and the ']' last, every byte must
// be a comma; a comma must come just after a closing quote; and the byte
// after a closing quote must be a comma or the final ']'. Together these
// leave exactly '[' "..." {',' "..."} ']': an opening quote can then only
// follow '[' or a comma, and a comma only precede an opening quote (or the
// ']', excluded by checking the byte before it, as the caller does).
// Returns the number of names, or nullopt when the grammar does not hold.
template <int kMarks>
std::optional<size_t> ScanBlocks(absl::string_view array, const MarkedBytes& marks, const BlockOutput& out) {
  const Classifier<kMarks> classify(marks);
  auto refused = Classifier<kMarks>::NoneRefused();
  const char* data = array.data();
  const size_t size = array.size();
  const size_t blocks = (size + kBlock - 1) / kBlock;
  uint64_t in_string = 0;     // All ones when the last block ended inside a string.
  uint64_t close_carry = 0;   // 1 when the last block's last byte closed a string.
  uint64_t start_carry = 0;   // 1 when the last block's last byte opened one.
  size_t count = 0;
  uint64_t errors = 0;
  // One block: `valid`, its bytes of the array; `brackets`, where its '['
  // and ']' are.
  auto step = [&](size_t block, const BlockMasks& masks, uint64_t valid, uint64_t brackets)
                  __attribute__((always_inline)) {
    const uint64_t strings = PrefixXor(masks.quotes) ^ in_string;
    in_string = static_cast<uint64_t>(static_cast<int64_t>(strings) >> 63);
    const uint64_t opens = masks.quotes & strings;
    const uint64_t closes = masks.quotes & ~strings;
    const uint64_t outside = ~strings & ~masks.quotes & valid & ~brackets;
    const uint64_t after_close = (closes << 1) | close_carry;
    // Gathered rather than tested block by block: an array is almost always
    // compact, and a branch per block cost more than reading to the end.
    errors |= (outside & ~masks.commas) | (outside & ~after_close) | (after_close & valid & ~brackets & ~outside);
    close_carry = closes >> 63;
    const uint64_t starts = (opens << 1) | start_carry;
    out.starts[block] = starts;
    start_carry = opens >> 63;
    out.ends[block] = closes;
    out.names_before[block] = static_cast<uint32_t>(count);
    if (kMarks > 0) {
      // Few names are marked (those that may be virtual nodes): most blocks
      // skip this loop.
      for (uint64_t hits = starts & masks.marked; hits != 0; hits &= hits - 1) {
        const int bit = __builtin_ctzll(hits);
        const size_t below = static_cast<size_t>(__builtin_popcountll(starts & ((uint64_t{1} << bit) - 1)));
        out.marked->emplace_back(count + below, block * kBlock + static_cast<size_t>(bit));
      }
    }
    count += static_cast<size_t>(__builtin_popcountll(starts));
  };
  // Every block but the last is whole; the first holds the '['.
  const size_t last = blocks - 1;
  if (last > 0) step(0, classify(data, &refused), ~uint64_t{0}, 1);
  for (size_t block = 1; block < last; ++block) {
    // 1 KiB ahead: in the server the array is read once, just after the
    // kernel's copy (names-5000 in 16 orders: 1.22-1.26x the null server in
    // six alternating runs, 1.25-1.27x without; bench/README.md). Past the
    // end it reads nothing: a prefetch never faults.
    __builtin_prefetch(data + block * kBlock + 1024);
    step(block, classify(data + block * kBlock, &refused), ~uint64_t{0}, 0);
  }
  const size_t left = size - last * kBlock;  // 1 to 64 bytes.
  const uint64_t valid = left == kBlock ? ~uint64_t{0} : (uint64_t{1} << left) - 1;
  const uint64_t brackets = (uint64_t{1} << (left - 1)) | (last == 0 ? 1 : 0);
  // The tail's padding is spaces: never refused, so `valid` need not mask it.
  step(last, classify(PaddedTail(data + last * kBlock, left).bytes, &refused), valid, brackets);
  if (errors != 0 || in_string != 0 || Classifier<kMarks>::Refused(refused)) return std::nullopt;
  return count;
}

// Of the block at `base` of `bytes_`, the bytes in `few`.
uint64_t MarkedIn(absl::string_view bytes_, size_t base, const MarkedBytes& few) {
  const size_t left = bytes_.size() - base;
  const char* block = bytes_.data() + base;
  std::optional<PaddedTail> tail;
  if (left < kBlock) block = tail.emplace(block, left).bytes;
  uint64_t equal = 0;
  for (int i = 0; i < few.count; ++i) equal |= Equal(block, few.bytes[i]);
  return equal;
}

// Of `starts` (of the block at `base` of `bytes_`), those whose byte is in
// `first_bytes`.
uint64_t StartsIn(absl::string_view bytes_, size_t base, uint64_t starts, const std::bitset<256>& first_bytes) {
  uint64_t hits = 0;
  for (uint64_t bits = starts; bits != 0; bits &= bits - 1) {
    const int bit = __builtin_ctzll(bits);
    if (first_bytes[static_cast<unsigned char>(bytes_[base + static_cast<size_t>(bit)])]) hits |= uint64_t{1} << bit;
  }
  return hits;
}

}  // namespace

bool CompactNames::Scan(absl::string_view array, const std::bitset<256>& mark) {
  Clear();
  const size_t size = array.size();
  if (size < 2 || array.front() != '[' || array.back() != ']' || size > std::numeric_limits<uint32_t>::max()) {
    return false;
  }
  if (size > 2 && (array[1] != '"' || array[size - 2] != '"')) return false;
  const size_t blocks = (size + kBlock - 1) / kBlock;
  starts_.resize(blocks);
  ends_.resize(blocks);
  names_before_.resize(blocks);
  const MarkedBytes marks = FewBytes(mark).value_or(MarkedBytes());
  const BlockOutput out{starts_.data(), ends_.data(), names_before_.data(), &marked_};
  std::optional<size_t> count;
  switch (marks.count) {
    case 0: count = ScanBlocks<0>(array, marks, out); break;
    case 1: count = ScanBlocks<1>(array, marks, out); break;
    case 2: count = ScanBlocks<2>(array, marks, out); break;
    case 3: count = ScanBlocks<3>(array, marks, out); break;
    default: count = ScanBlocks<4>(array, marks, out); break;
  }
  if (!count.has_value()) {
    Clear();
    return false;
  }
  bytes_ = array;
  count_ = *count;
  if (marks.count > 0) marked_set_ = mark;
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
  const size_t blocks = names_before_.size();
  size_t block = 0;
  auto marked = marked_.begin();  // The failures are mostly names the scan marked.
  for (size_t index : indices) {
    while (marked != marked_.end() && marked->first < index) ++marked;
    if (marked != marked_.end() && marked->first == index) {
      tokens->push_back(TokenAt(marked->second));
      continue;
    }
    // The index's block: the last whose names_before_ is at most `index`.
    // Indices ascend, so it is searched for from the last one's, in steps
    // that double, then by halves.
    size_t step = 1;
    while (block + step < blocks && names_before_[block + step] <= index) step *= 2;
    const auto after = std::upper_bound(names_before_.begin() + static_cast<std::ptrdiff_t>(block + step / 2),
                                        names_before_.begin() + static_cast<std::ptrdiff_t>(std::min(block + step, blocks)),
                                        static_cast<uint32_t>(index));
    block = static_cast<size_t>(after - names_before_.begin()) - 1;
    uint64_t bits = starts_[block];
    for (size_t skip = index - names_before_[block]; skip > 0; --skip) bits &= bits - 1;
    tokens->push_back(TokenAt(block * kBlock + static_cast<size_t>(__builtin_ctzll(bits))));
  }
}

void CompactNames::FindStartingWith(const std::bitset<256>& first_bytes, std::vector<Found>* found) const {
  if (first_bytes.none() || count_ == 0) return;
  if (marked_set_.any() && first_bytes == marked_set_) {
    for (const auto& [index, start] : marked_) found->push_back({index, TokenAt(start)});
    return;
  }
  const std::optional<MarkedBytes> few = FewBytes(first_bytes);
  for (size_t block = 0; block < starts_.size(); ++block) {
    const uint64_t starts = starts_[block];
    if (starts == 0) continue;
    const size_t base = block * kBlock;
    const uint64_t hits = few.has_value() ? starts & MarkedIn(bytes_, base, *few)
                                          : StartsIn(bytes_, base, starts, first_bytes);
    for (uint64_t bits = hits; bits != 0; bits &= bits - 1) {
      const int bit = __builtin_ctzll(bits);
      const size_t below = static_cast<size_t>(__builtin_popcountll(starts & ((uint64_t{1} << bit) - 1)));
      found->push_back({names_before_[block] + below, TokenAt(base + static_cast<size_t>(bit))});
    }
  }
}

void CompactNames::RunsBut(const std::vector<absl::string_view>& excluded_tokens,
                           std::vector<absl::string_view>* runs) const {
  // Between '[' and ']', the tokens run "t,t,...,t". Each excluded token
  // takes the comma before it out of the run that ends there, and the
  // comma after it out of the run that follows.
  const char* cursor = bytes_.data() + 1;
  const char* end = bytes_.data() + bytes_.size() - 1;
  auto add_run = [&](const char* from, const char* to) {
    if (from < to) runs->emplace_back(from, static_cast<size_t>(to - from));
  };
  for (absl::string_view token : excluded_tokens) {
    add_run(cursor, token.data() - 1);
    cursor = token.data() + token.size() + 1;
  }
  add_run(cursor, end);
}


}  // namespace spillway::scheduler
