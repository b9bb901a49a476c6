#include "crypto/x25519_adx.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace latchkey::crypto::x25519_adx {

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))

// Field elements mod p = 2^255 - 19 as four little-endian 64-bit limbs. The
// value may be anything below 2^256 (a few multiples of p above the residue):
// every operation folds what overflows 2^256 back in as 38 (2^256 = 38 mod
// p), and only the final encoding reduces to the canonical residue.
using detail::Fe;

extern "C" {
void latchkey_fe64_mul(std::uint64_t out[4], const std::uint64_t a[4], const std::uint64_t b[4]);
void latchkey_fe64_sqr(std::uint64_t out[4], const std::uint64_t a[4]);
void latchkey_fe64_mul_small(std::uint64_t out[4], const std::uint64_t a[4], std::uint64_t k);
void latchkey_fe64_add(std::uint64_t out[4], const std::uint64_t a[4], const std::uint64_t b[4]);
void latchkey_fe64_sub(std::uint64_t out[4], const std::uint64_t a[4], const std::uint64_t b[4]);
}

// The 512-bit product in r8..r15 reduced to 256 bits in (%rdi):
// lo + 38 * hi, then the carry out of that folded in once more as 38.
// Uses rax (kept zero for the carry-only additions), rbx, rbp, rdx, r12.
#define LATCHKEY_FE64_REDUCE_R8_R15   \
  "  movl $38, %edx\n"                \
  "  xorl %eax, %eax\n"               \
  "  mulxq %r12, %rbx, %rbp\n"        \
  "  adcxq %rbx, %r8\n"               \
  "  adoxq %rbp, %r9\n"               \
  "  mulxq %r13, %rbx, %rbp\n"        \
  "  adcxq %rbx, %r9\n"               \
  "  adoxq %rbp, %r10\n"              \
  "  mulxq %r14, %rbx, %rbp\n"        \
  "  adcxq %rbx, %r10\n"              \
  "  adoxq %rbp, %r11\n"              \
  "  mulxq %r15, %rbx, %r12\n"        \
  "  adcxq %rbx, %r11\n"              \
  "  adoxq %rax, %r12\n"              \
  "  adcxq %rax, %r12\n"              \
  "  imulq $38, %r12, %r12\n"         \
  "  addq %r12, %r8\n"                \
  "  adcq %rax, %r9\n"                \
  "  adcq %rax, %r10\n"               \
  "  adcq %rax, %r11\n"               \
  "  sbbq %rbx, %rbx\n"               \
  "  andq $38, %rbx\n"                \
  "  addq %rbx, %r8\n"                \
  "  movq %r8, (%rdi)\n"              \
  "  movq %r9, 8(%rdi)\n"             \
  "  movq %r10, 16(%rdi)\n"           \
  "  movq %r11, 24(%rdi)\n"

#define LATCHKEY_FE64_PUSH \
  "  pushq %rbp\n"         \
  "  pushq %rbx\n"         \
  "  pushq %r12\n"         \
  "  pushq %r13\n"         \
  "  pushq %r14\n"         \
  "  pushq %r15\n"

#define LATCHKEY_FE64_POP_RET \
  "  popq %r15\n"             \
  "  popq %r14\n"             \
  "  popq %r13\n"             \
  "  popq %r12\n"             \
  "  popq %rbx\n"             \
  "  popq %rbp\n"             \
  "  ret\n"

#define LATCHKEY_FE64_FUNCTION(name) \
  "  .p2align 4\n"                   \
  "  .globl " #name "\n"             \
  "  .hidden " #name "\n"            \
  "  .type " #name ", @function\n" #name ":\n"

#define LATCHKEY_FE64_END(name) "  .size " #name ", .-" #name "\n"

// Every row of the schoolbook product adds a[i] * b into the running sum
// with two independent carry chains (adox for the low halves, adcx for the
// high halves), which is what ADX exists for.
asm("  .text\n"
    // out(rdi) = a(rsi) * b(rdx) mod p
    LATCHKEY_FE64_FUNCTION(latchkey_fe64_mul)  //
    LATCHKEY_FE64_PUSH                         //
    "  movq %rdx, %rcx\n"
    // row 0: t0..t4 = a0 * b
    "  movq (%rsi), %rdx\n"
    "  mulxq (%rcx), %r8, %r9\n"
    "  mulxq 8(%rcx), %rax, %r10\n"
    "  addq %rax, %r9\n"
    "  mulxq 16(%rcx), %rax, %r11\n"
    "  adcq %rax, %r10\n"
    "  mulxq 24(%rcx), %rax, %r12\n"
    "  adcq %rax, %r11\n"
    "  adcq $0, %r12\n"
    // row 1: t1..t5 += a1 * b
    "  movq 8(%rsi), %rdx\n"
    "  xorl %eax, %eax\n"
    "  mulxq (%rcx), %rbx, %rbp\n"
    "  adoxq %rbx, %r9\n"
    "  adcxq %rbp, %r10\n"
    "  mulxq 8(%rcx), %rbx, %rbp\n"
    "  adoxq %rbx, %r10\n"
    "  adcxq %rbp, %r11\n"
    "  mulxq 16(%rcx), %rbx, %rbp\n"
    "  adoxq %rbx, %r11\n"
    "  adcxq %rbp, %r12\n"
    "  mulxq 24(%rcx), %rbx, %r13\n"
    "  adoxq %rbx, %r12\n"
    "  adcxq %rax, %r13\n"
    "  adoxq %rax, %r13\n"
    // row 2: t2..t6 += a2 * b
    "  movq 16(%rsi), %rdx\n"
    "  xorl %eax, %eax\n"
    "  mulxq (%rcx), %rbx, %rbp\n"
    "  adoxq %rbx, %r10\n"
    "  adcxq %rbp, %r11\n"
    "  mulxq 8(%rcx), %rbx, %rbp\n"
    "  adoxq %rbx, %r11\n"
    "  adcxq %rbp, %r12\n"
    "  mulxq 16(%rcx), %rbx, %rbp\n"
    "  adoxq %rbx, %r12\n"
    "  adcxq %rbp, %r13\n"
    "  mulxq 24(%rcx), %rbx, %r14\n"
    "  adoxq %rbx, %r13\n"
    "  adcxq %rax, %r14\n"
    "  adoxq %rax, %r14\n"
    // row 3: t3..t7 += a3 * b
    "  movq 24(%rsi), %rdx\n"
    "  xorl %eax, %eax\n"
    "  mulxq (%rcx), %rbx, %rbp\n"
    "  adoxq %rbx, %r11\n"
    "  adcxq %rbp, %r12\n"
    "  mulxq 8(%rcx), %rbx, %rbp\n"
    "  adoxq %rbx, %r12\n"
    "  adcxq %rbp, %r13\n"
    "  mulxq 16(%rcx), %rbx, %rbp\n"
    "  adoxq %rbx, %r13\n"
    "  adcxq %rbp, %r14\n"
    "  mulxq 24(%rcx), %rbx, %r15\n"
    "  adoxq %rbx, %r14\n"
    "  adcxq %rax, %r15\n"
    "  adoxq %rax, %r15\n"                  //
    LATCHKEY_FE64_REDUCE_R8_R15             //
    LATCHKEY_FE64_POP_RET                   //
    LATCHKEY_FE64_END(latchkey_fe64_mul)    //
                                            //
    // out(rdi) = a(rsi)^2 mod p: the six cross products once, doubled,
    // plus the four squares.
    LATCHKEY_FE64_FUNCTION(latchkey_fe64_sqr)  //
    LATCHKEY_FE64_PUSH                         //
    "  movq (%rsi), %rdx\n"
    "  mulxq 8(%rsi), %r9, %r10\n"    // a0 a1
    "  mulxq 16(%rsi), %rax, %r11\n"  // a0 a2
    "  addq %rax, %r10\n"
    "  mulxq 24(%rsi), %rax, %r12\n"  // a0 a3
    "  adcq %rax, %r11\n"
    "  adcq $0, %r12\n"
    "  movq 8(%rsi), %rdx\n"
    "  xorl %eax, %eax\n"
    "  mulxq 16(%rsi), %rbx, %rbp\n"  // a1 a2
    "  adoxq %rbx, %r11\n"
    "  adcxq %rbp, %r12\n"
    "  mulxq 24(%rsi), %rbx, %r13\n"  // a1 a3
    "  adoxq %rbx, %r12\n"
    "  adcxq %rax, %r13\n"
    "  adoxq %rax, %r13\n"
    "  movq 16(%rsi), %rdx\n"
    "  mulxq 24(%rsi), %rbx, %r14\n"  // a2 a3
    "  addq %rbx, %r13\n"
    "  adcq $0, %r14\n"
    // t = 2 * cross + squares, the doubling on the adcx chain and the
    // squares a_i^2 (at t_2i) on the adox chain
    "  xorl %r15d, %r15d\n"
    "  movq (%rsi), %rdx\n"
    "  mulxq %rdx, %r8, %rax\n"
    "  adcxq %r9, %r9\n"
    "  adoxq %rax, %r9\n"
    "  movq 8(%rsi), %rdx\n"
    "  mulxq %rdx, %rax, %rbx\n"
    "  adcxq %r10, %r10\n"
    "  adoxq %rax, %r10\n"
    "  adcxq %r11, %r11\n"
    "  adoxq %rbx, %r11\n"
    "  movq 16(%rsi), %rdx\n"
    "  mulxq %rdx, %rax, %rbx\n"
    "  adcxq %r12, %r12\n"
    "  adoxq %rax, %r12\n"
    "  adcxq %r13, %r13\n"
    "  adoxq %rbx, %r13\n"
    "  movq 24(%rsi), %rdx\n"
    "  mulxq %rdx, %rax, %rbx\n"
    "  adcxq %r14, %r14\n"
    "  adoxq %rax, %r14\n"
    "  adcxq %r15, %r15\n"
    "  adoxq %rbx, %r15\n"                //
    LATCHKEY_FE64_REDUCE_R8_R15          //
    LATCHKEY_FE64_POP_RET                //
    LATCHKEY_FE64_END(latchkey_fe64_sqr)  //
                                          //
    // out(rdi) = a(rsi) * k(rdx) mod p, for k < 2^32
    LATCHKEY_FE64_FUNCTION(latchkey_fe64_mul_small)  //
    "  mulxq (%rsi), %r8, %r9\n"
    "  mulxq 8(%rsi), %rax, %r10\n"
    "  addq %rax, %r9\n"
    "  mulxq 16(%rsi), %rax, %r11\n"
    "  adcq %rax, %r10\n"
    "  mulxq 24(%rsi), %rax, %rcx\n"
    "  adcq %rax, %r11\n"
    "  adcq $0, %rcx\n"
    "  imulq $38, %rcx, %rcx\n"
    "  addq %rcx, %r8\n"
    "  adcq $0, %r9\n"
    "  adcq $0, %r10\n"
    "  adcq $0, %r11\n"
    "  sbbq %rcx, %rcx\n"
    "  andq $38, %rcx\n"
    "  addq %rcx, %r8\n"
    "  movq %r8, (%rdi)\n"
    "  movq %r9, 8(%rdi)\n"
    "  movq %r10, 16(%rdi)\n"
    "  movq %r11, 24(%rdi)\n"
    "  ret\n"                                    //
    LATCHKEY_FE64_END(latchkey_fe64_mul_small)  //
                                                //
    // out(rdi) = a(rsi) + b(rdx): a carry out of 2^256 comes back as 38
    LATCHKEY_FE64_FUNCTION(latchkey_fe64_add)  //
    "  movq (%rsi), %r8\n"
    "  movq 8(%rsi), %r9\n"
    "  movq 16(%rsi), %r10\n"
    "  movq 24(%rsi), %r11\n"
    "  addq (%rdx), %r8\n"
    "  adcq 8(%rdx), %r9\n"
    "  adcq 16(%rdx), %r10\n"
    "  adcq 24(%rdx), %r11\n"
    "  sbbq %rax, %rax\n"
    "  andq $38, %rax\n"
    "  addq %rax, %r8\n"
    "  adcq $0, %r9\n"
    "  adcq $0, %r10\n"
    "  adcq $0, %r11\n"
    "  sbbq %rax, %rax\n"
    "  andq $38, %rax\n"
    "  addq %rax, %r8\n"
    "  movq %r8, (%rdi)\n"
    "  movq %r9, 8(%rdi)\n"
    "  movq %r10, 16(%rdi)\n"
    "  movq %r11, 24(%rdi)\n"
    "  ret\n"                               //
    LATCHKEY_FE64_END(latchkey_fe64_add)  //
                                          //
    // out(rdi) = a(rsi) - b(rdx): a borrow of 2^256 is paid back as 38
    LATCHKEY_FE64_FUNCTION(latchkey_fe64_sub)  //
    "  movq (%rsi), %r8\n"
    "  movq 8(%rsi), %r9\n"
    "  movq 16(%rsi), %r10\n"
    "  movq 24(%rsi), %r11\n"
    "  subq (%rdx), %r8\n"
    "  sbbq 8(%rdx), %r9\n"
    "  sbbq 16(%rdx), %r10\n"
    "  sbbq 24(%rdx), %r11\n"
    "  sbbq %rax, %rax\n"
    "  andq $38, %rax\n"
    "  subq %rax, %r8\n"
    "  sbbq $0, %r9\n"
    "  sbbq $0, %r10\n"
    "  sbbq $0, %r11\n"
    "  sbbq %rax, %rax\n"
    "  andq $38, %rax\n"
    "  subq %rax, %r8\n"
    "  movq %r8, (%rdi)\n"
    "  movq %r9, 8(%rdi)\n"
    "  movq %r10, 16(%rdi)\n"
    "  movq %r11, 24(%rdi)\n"
    "  ret\n"  //
    LATCHKEY_FE64_END(latchkey_fe64_sub));

#undef LATCHKEY_FE64_REDUCE_R8_R15
#undef LATCHKEY_FE64_PUSH
#undef LATCHKEY_FE64_POP_RET
#undef LATCHKEY_FE64_FUNCTION
#undef LATCHKEY_FE64_END

namespace {

__extension__ typedef unsigned __int128 U128;

void mul(Fe& out, const Fe& a, const Fe& b) { latchkey_fe64_mul(out.data(), a.data(), b.data()); }
void sqr(Fe& out, const Fe& a) { latchkey_fe64_sqr(out.data(), a.data()); }
void add(Fe& out, const Fe& a, const Fe& b) { latchkey_fe64_add(out.data(), a.data(), b.data()); }
void sub(Fe& out, const Fe& a, const Fe& b) { latchkey_fe64_sub(out.data(), a.data(), b.data()); }

void sqr_times(Fe& out, const Fe& a, int times) {
  sqr(out, a);
  for (int i = 1; i < times; ++i) sqr(out, out);
}

// z^(p - 2) = z^(2^255 - 21), the inverse (0 for 0), by the usual chain of
// 254 squarings and 11 multiplications.
Fe invert(const Fe& z) {
  Fe z2, z9, z11, z_5_0, z_10_0, z_20_0, z_50_0, z_100_0, t;
  sqr(z2, z);                 // 2
  sqr_times(t, z2, 2);        // 8
  mul(z9, t, z);              // 9
  mul(z11, z9, z2);           // 11
  sqr(t, z11);                // 22
  mul(z_5_0, t, z9);          // 2^5 - 1
  sqr_times(t, z_5_0, 5);     //
  mul(z_10_0, t, z_5_0);      // 2^10 - 1
  sqr_times(t, z_10_0, 10);   //
  mul(z_20_0, t, z_10_0);     // 2^20 - 1
  sqr_times(t, z_20_0, 20);   //
  mul(t, t, z_20_0);          // 2^40 - 1
  sqr_times(t, t, 10);        //
  mul(z_50_0, t, z_10_0);     // 2^50 - 1
  sqr_times(t, z_50_0, 50);   //
  mul(z_100_0, t, z_50_0);    // 2^100 - 1
  sqr_times(t, z_100_0, 100);  //
  mul(t, t, z_100_0);          // 2^200 - 1
  sqr_times(t, t, 50);         //
  mul(t, t, z_50_0);           // 2^250 - 1
  sqr_times(t, t, 5);          // 2^255 - 2^5
  mul(t, t, z11);              // 2^255 - 21
  return t;
}

// Swaps (a, b) with (c, d) when bit is 1, without a branch on it.
void conditional_swap(std::uint64_t bit, Fe& a, Fe& b, Fe& c, Fe& d) {
  const std::uint64_t mask = 0 - bit;
  for (std::size_t i = 0; i < 4; ++i) {
    const std::uint64_t x = (a[i] ^ c[i]) & mask;
    a[i] ^= x;
    c[i] ^= x;
    const std::uint64_t y = (b[i] ^ d[i]) & mask;
    b[i] ^= y;
    d[i] ^= y;
  }
}

Fe load(const std::uint8_t bytes[32]) {
  Fe f;
  std::memcpy(f.data(), bytes, 32);  // x86-64 is little-endian, as the encoding
  return f;
}

// The canonical residue (< p) of f < 2^256, little-endian.
void store_canonical(std::uint8_t out[32], Fe f) {
  // Fold bit 255 in as 19: f < 2^255 + 19 afterwards.
  std::uint64_t top = f[3] >> 63;
  f[3] &= 0x7fffffffffffffffULL;
  U128 acc = static_cast<U128>(f[0]) + 19 * top;
  for (std::size_t i = 0; i < 4; ++i) {
    if (i > 0) acc += f[i];
    f[i] = static_cast<std::uint64_t>(acc);
    acc >>= 64;
  }
  // f >= p exactly when f + 19 reaches 2^255; then f - p = f + 19 - 2^255.
  Fe g;
  acc = static_cast<U128>(f[0]) + 19;
  for (std::size_t i = 0; i < 4; ++i) {
    if (i > 0) acc += f[i];
    g[i] = static_cast<std::uint64_t>(acc);
    acc >>= 64;
  }
  const std::uint64_t take_g = 0 - (g[3] >> 63);
  g[3] &= 0x7fffffffffffffffULL;
  for (std::size_t i = 0; i < 4; ++i) f[i] = (g[i] & take_g) | (f[i] & ~take_g);
  std::memcpy(out, f.data(), 32);
}

// CPUID leaf 7: EBX bit 8 is BMI2 (mulx), bit 19 is ADX (adcx, adox).
bool cpu_has_bmi2_adx() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) == 0) return false;
  return (ebx & (1u << 8)) != 0 && (ebx & (1u << 19)) != 0;
}

}  // namespace

bool available() {
  static const bool ok = cpu_has_bmi2_adx();
  return ok;
}

namespace detail {
Fe mul(const Fe& a, const Fe& b) {
  Fe out;
  x25519_adx::mul(out, a, b);
  return out;
}
Fe sqr(const Fe& a) {
  Fe out;
  x25519_adx::sqr(out, a);
  return out;
}
Fe mul_small(const Fe& a, std::uint32_t k) {
  Fe out;
  latchkey_fe64_mul_small(out.data(), a.data(), k);
  return out;
}
Fe add(const Fe& a, const Fe& b) {
  Fe out;
  x25519_adx::add(out, a, b);
  return out;
}
Fe sub(const Fe& a, const Fe& b) {
  Fe out;
  x25519_adx::sub(out, a, b);
  return out;
}
Fe invert(const Fe& a) { return x25519_adx::invert(a); }
std::array<std::uint8_t, 32> canonical_bytes(const Fe& a) {
  std::array<std::uint8_t, 32> out;
  store_canonical(out.data(), a);
  return out;
}
}  // namespace detail

namespace {

// One ladder's state (RFC 7748 section 5 names).
struct Ladder {
  std::uint8_t k[32];
  Fe x1, x2, z2, x3, z3;
  Fe a, aa, b, bb, e, c, d, da, cb, s, r;
  std::uint64_t swap;

  void start(const std::uint8_t scalar[32], const std::uint8_t u[32]) {
    std::memcpy(k, scalar, 32);
    k[0] &= 248;
    k[31] &= 127;
    k[31] |= 64;
    x1 = load(u);
    x1[3] &= 0x7fffffffffffffffULL;  // RFC 7748: the top bit of u is ignored
    x2 = Fe{1, 0, 0, 0};
    z2 = Fe{0, 0, 0, 0};
    x3 = x1;
    z3 = Fe{1, 0, 0, 0};
    swap = 0;
  }

  void wipe() {
    volatile std::uint8_t* vk = k;
    for (std::size_t i = 0; i < 32; ++i) vk[i] = 0;
    for (Fe* f : {&x2, &z2, &x3, &z3, &a, &aa, &b, &bb, &e, &c, &d, &da, &cb, &s, &r}) {
      volatile std::uint64_t* v = f->data();
      for (std::size_t i = 0; i < 4; ++i) v[i] = 0;
    }
    swap = 0;
  }
};

// One ladder step for `lanes` independent ladders. Each operation is issued
// for every lane before the next one starts: a field multiplication is bound
// by its carry chains' latency, and independent neighbours let the
// out-of-order core overlap them.
template <std::size_t N>
void ladder_step(std::array<Ladder*, N>& lanes, int bit) {
  for (Ladder* l : lanes) {
    const std::uint64_t k_bit = (l->k[bit >> 3] >> (bit & 7)) & 1;
    l->swap ^= k_bit;
    conditional_swap(l->swap, l->x2, l->z2, l->x3, l->z3);
    l->swap = k_bit;
    add(l->a, l->x2, l->z2);
    sub(l->b, l->x2, l->z2);
    add(l->c, l->x3, l->z3);
    sub(l->d, l->x3, l->z3);
  }
  for (Ladder* l : lanes) {
    sqr(l->aa, l->a);
    sqr(l->bb, l->b);
  }
  for (Ladder* l : lanes) {
    mul(l->da, l->d, l->a);
    mul(l->cb, l->c, l->b);
  }
  for (Ladder* l : lanes) {
    sub(l->e, l->aa, l->bb);
    add(l->s, l->da, l->cb);
    sub(l->r, l->da, l->cb);
  }
  for (Ladder* l : lanes) {
    latchkey_fe64_mul_small(l->a.data(), l->e.data(), 121665);
    sqr(l->x3, l->s);
    sqr(l->r, l->r);
  }
  for (Ladder* l : lanes) {
    add(l->a, l->aa, l->a);
    mul(l->x2, l->aa, l->bb);
  }
  for (Ladder* l : lanes) {
    mul(l->z2, l->e, l->a);
    mul(l->z3, l->x1, l->r);
  }
}

template <std::size_t N>
void run_ladders(std::array<Ladder*, N> lanes, std::uint8_t* const out[], const std::uint8_t* const scalar[],
                 const std::uint8_t* const u[]) {
  for (std::size_t i = 0; i < N; ++i) lanes[i]->start(scalar[i], u[i]);
  for (int bit = 254; bit >= 0; --bit) ladder_step(lanes, bit);
  for (Ladder* l : lanes) {
    conditional_swap(l->swap, l->x2, l->z2, l->x3, l->z3);
  }
  for (std::size_t i = 0; i < N; ++i) {
    Ladder* l = lanes[i];
    mul(l->x2, l->x2, invert(l->z2));
    store_canonical(out[i], l->x2);
    l->wipe();
  }
}

}  // namespace

void scalarmult(std::uint8_t out[32], const std::uint8_t scalar[32], const std::uint8_t u[32]) {
  Ladder l;
  std::uint8_t* outs[1] = {out};
  const std::uint8_t* scalars[1] = {scalar};
  const std::uint8_t* us[1] = {u};
  run_ladders<1>({&l}, outs, scalars, us);
}

void scalarmult2(std::uint8_t out0[32], const std::uint8_t scalar0[32], const std::uint8_t u0[32],
                 std::uint8_t out1[32], const std::uint8_t scalar1[32], const std::uint8_t u1[32]) {
  Ladder l0, l1;
  std::uint8_t* outs[2] = {out0, out1};
  const std::uint8_t* scalars[2] = {scalar0, scalar1};
  const std::uint8_t* us[2] = {u0, u1};
  run_ladders<2>({&l0, &l1}, outs, scalars, us);
}

void scalarmult3(std::uint8_t* const out[3], const std::uint8_t* const scalar[3], const std::uint8_t* const u[3]) {
  Ladder l0, l1, l2;
  run_ladders<3>({&l0, &l1, &l2}, out, scalar, u);
}

#else  // not x86-64: libsodium's ladder serves, and nothing here is called

bool available() { return false; }

void scalarmult(std::uint8_t out[32], const std::uint8_t[32], const std::uint8_t[32]) { std::memset(out, 0, 32); }

#endif

}  // namespace latchkey::crypto::x25519_adx
