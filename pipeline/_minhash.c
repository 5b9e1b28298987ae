/* A body's MinHash in C (optional: dedup_corpus.py runs its numpy code when this module is
 * not built, or is a build older than the source).
 *
 * datasketch's MinHash(seed=1, scheme="affine32") of a set of shingles is, per permutation
 * (a, b), min over the shingles of a * fmix32(sha1_hash32(shingle)) + b in uint32 arithmetic
 * (wrapping), where sha1_hash32 is the first 4 bytes of the shingle's SHA-1 read
 * little-endian and fmix32 is MurmurHash3's 32-bit finaliser (datasketch's _fmix). The
 * numpy code makes one hashlib.sha1 object and digest a shingle, then a permutations x
 * shingles matrix and its minima; here each shingle is hashed and folded into the 128
 * minima at once, no matrix.
 *
 * The SHA-1 is written here (FIPS 180-4), by hand: hashlib has no call that hashes many
 * short messages at once, and one call a shingle is the cost this module removes. Where
 * the processor has the SHA extensions (x86, checked once with cpuid), the compression
 * runs on them (sha1rnds4 and company, the round structure of Intel's reference code);
 * elsewhere, and under valgrind, which reports no SHA extensions, the portable C.
 * tests/test_minhash_kernel.py checks it against hashlib (empty, the 55/56/63/64/65-byte
 * padding edges, long and random messages) and the sketches against the numpy code and
 * datasketch's MinHash. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define HAVE_SHA_NI 1
#include <cpuid.h>
#include <immintrin.h>
#endif

#define VERSION 2 /* dedup_corpus.py uses the module only when this is the version it knows */

#define ROL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))

static void sha1_block(uint32_t h[5], const unsigned char *p)
{ /* the portable compression of one 64-byte block */
    uint32_t w[80], a, b, c, d, e, t;
    int i;
    for (i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (i = 16; i < 80; i++) {
        t = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16];
        w[i] = ROL(t, 1);
    }
    a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (i = 0; i < 20; i++) {
        t = ROL(a, 5) + ((b & c) | (~b & d)) + e + 0x5A827999u + w[i];
        e = d, d = c, c = ROL(b, 30), b = a, a = t;
    }
    for (; i < 40; i++) {
        t = ROL(a, 5) + (b ^ c ^ d) + e + 0x6ED9EBA1u + w[i];
        e = d, d = c, c = ROL(b, 30), b = a, a = t;
    }
    for (; i < 60; i++) {
        t = ROL(a, 5) + ((b & c) | (b & d) | (c & d)) + e + 0x8F1BBCDCu + w[i];
        e = d, d = c, c = ROL(b, 30), b = a, a = t;
    }
    for (; i < 80; i++) {
        t = ROL(a, 5) + (b ^ c ^ d) + e + 0xCA62C1D6u + w[i];
        e = d, d = c, c = ROL(b, 30), b = a, a = t;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
}

#ifdef HAVE_SHA_NI

/* one 4-round group g: E (the round input) from the message words M, the other E keeps ABCD */
#define GROUP(F, EIN, EOUT, M) \
    EIN = _mm_sha1nexte_epu32(EIN, M); EOUT = abcd; abcd = _mm_sha1rnds4_epu32(abcd, EIN, F);
/* `blocks` 64-byte blocks compressed with the SHA extensions */
__attribute__((target("sha,ssse3,sse4.1"))) static void sha1_blocks_ni(uint32_t h[5], const unsigned char *p, long blocks)
{
    const __m128i mask = _mm_set_epi64x(0x0001020304050607ULL, 0x08090a0b0c0d0e0fULL);
    __m128i abcd = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)h), 0x1B);
    __m128i e0 = _mm_set_epi32((int)h[4], 0, 0, 0), e1, abcd_save, e0_save, m0, m1, m2, m3;
    for (; blocks > 0; blocks--, p += 64) {
        abcd_save = abcd, e0_save = e0;
        m0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)p), mask);
        m1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16)), mask);
        m2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 32)), mask);
        m3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 48)), mask);
        /* 0 */ e0 = _mm_add_epi32(e0, m0); e1 = abcd; abcd = _mm_sha1rnds4_epu32(abcd, e0, 0);
        /* 1 */ GROUP(0, e1, e0, m1) m0 = _mm_sha1msg1_epu32(m0, m1);
        /* 2 */ GROUP(0, e0, e1, m2) m1 = _mm_sha1msg1_epu32(m1, m2); m0 = _mm_xor_si128(m0, m2);
#define FULL(F, EIN, EOUT, M, MA, MB, MC) \
        MA = _mm_sha1msg2_epu32(MA, M); GROUP(F, EIN, EOUT, M) MC = _mm_sha1msg1_epu32(MC, M); MB = _mm_xor_si128(MB, M);
        /* group g: MA = m[(g+1)%4] finished, MB = m[(g+2)%4] xored, MC = m[(g+3)%4] started */
        /* 3 */ FULL(0, e1, e0, m3, m0, m1, m2)
        /* 4 */ FULL(0, e0, e1, m0, m1, m2, m3)
        /* 5 */ FULL(1, e1, e0, m1, m2, m3, m0)
        /* 6 */ FULL(1, e0, e1, m2, m3, m0, m1)
        /* 7 */ FULL(1, e1, e0, m3, m0, m1, m2)
        /* 8 */ FULL(1, e0, e1, m0, m1, m2, m3)
        /* 9 */ FULL(1, e1, e0, m1, m2, m3, m0)
        /* 10 */ FULL(2, e0, e1, m2, m3, m0, m1)
        /* 11 */ FULL(2, e1, e0, m3, m0, m1, m2)
        /* 12 */ FULL(2, e0, e1, m0, m1, m2, m3)
        /* 13 */ FULL(2, e1, e0, m1, m2, m3, m0)
        /* 14 */ FULL(2, e0, e1, m2, m3, m0, m1)
        /* 15 */ FULL(3, e1, e0, m3, m0, m1, m2)
        /* 16 */ FULL(3, e0, e1, m0, m1, m2, m3)
        /* 17 */ FULL(3, e1, e0, m1, m2, m3, m0)
        /* 18 */ FULL(3, e0, e1, m2, m3, m0, m1)
        /* 19 */ GROUP(3, e1, e0, m3)
        e0 = _mm_sha1nexte_epu32(e0, e0_save);
        abcd = _mm_add_epi32(abcd, abcd_save);
    }
    _mm_storeu_si128((__m128i *)h, _mm_shuffle_epi32(abcd, 0x1B));
    h[4] = (uint32_t)_mm_extract_epi32(e0, 3);
}

static int sha_ni_usable(void)
{ /* cpuid: SSSE3 and SSE4.1 (leaf 1, ecx bits 9 and 19), SHA (leaf 7, ebx bit 29) */
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 9)) || !(c & (1u << 19)))
        return 0;
    if (__get_cpuid_max(0, NULL) < 7)
        return 0;
    __cpuid_count(7, 0, a, b, c, d);
    return (b & (1u << 29)) != 0;
}
#endif

static int use_ni = 0; /* set at import */

static void sha1_blocks(uint32_t h[5], const unsigned char *p, Py_ssize_t blocks, int fast)
{
#ifdef HAVE_SHA_NI
    if (fast) {
        sha1_blocks_ni(h, p, (long)blocks);
        return;
    }
#endif
    for (; blocks > 0; blocks--, p += 64)
        sha1_block(h, p);
}

/* The SHA-1 digest's five words (big-endian words, as the standard defines them). */
static void sha1_words(const unsigned char *data, Py_ssize_t n, uint32_t h[5], int fast)
{
    unsigned char last[128];
    Py_ssize_t full = n & ~(Py_ssize_t)63, rest = n - full, size;
    uint64_t bits = (uint64_t)n * 8;
    int i;
    h[0] = 0x67452301u, h[1] = 0xEFCDAB89u, h[2] = 0x98BADCFEu, h[3] = 0x10325476u, h[4] = 0xC3D2E1F0u;
    sha1_blocks(h, data, full / 64, fast);
    /* the tail, the 0x80 byte, zeros and the length in bits (big-endian): one block, or two
     * when the tail leaves fewer than 9 bytes (rest >= 56) */
    memcpy(last, data + full, (size_t)rest);
    last[rest] = 0x80;
    size = rest < 56 ? 64 : 128;
    memset(last + rest + 1, 0, (size_t)(size - rest - 1));
    for (i = 0; i < 8; i++)
        last[size - 1 - i] = (unsigned char)(bits >> (8 * i));
    sha1_blocks(h, last, size / 64, fast);
}

/* datasketch's sha1_hash32: the digest's first 4 bytes, little-endian, i.e. the first
 * big-endian word with its bytes swapped */
static uint32_t swap32(uint32_t w) { return (w >> 24) | ((w >> 8) & 0xFF00u) | ((w << 8) & 0xFF0000u) | (w << 24); }

static uint32_t hash32(const unsigned char *data, Py_ssize_t n, int fast)
{
    uint32_t h[5];
    sha1_words(data, n, h, fast);
    return swap32(h[0]);
}

static uint32_t fmix32(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x85EBCA6Bu;
    h ^= h >> 13;
    h *= 0xC2B2AE35u;
    return h ^ (h >> 16);
}

/* sha1(data, portable=False): the digest, by the SHA extensions where usable unless `portable` */
static PyObject *sha1(PyObject *self, PyObject *args)
{
    Py_buffer view;
    uint32_t h[5];
    unsigned char out[20];
    int i, portable = 0;
    if (!PyArg_ParseTuple(args, "y*|p", &view, &portable))
        return NULL;
    sha1_words((const unsigned char *)view.buf, view.len, h, use_ni && !portable);
    PyBuffer_Release(&view);
    for (i = 0; i < 20; i++)
        out[i] = (unsigned char)(h[i / 4] >> (24 - 8 * (i % 4)));
    return PyBytes_FromStringAndSize((const char *)out, 20);
}

/* One hash folded into the minima: a * h + b per permutation, wrapping mod 2**32 as
 * datasketch's uint32 arrays do. In blocks of 8 so that -O2 makes it vector code. */
static void fold(uint32_t *restrict minima, const uint32_t *restrict a, const uint32_t *restrict b, Py_ssize_t p,
                 uint32_t h)
{
    Py_ssize_t k = 0;
    int j;
    for (; k + 8 <= p; k += 8)
        for (j = 0; j < 8; j++) {
            uint32_t v = a[k + j] * h + b[k + j];
            minima[k + j] = v < minima[k + j] ? v : minima[k + j];
        }
    for (; k < p; k++) {
        uint32_t v = a[k] * h + b[k];
        minima[k] = v < minima[k] ? v : minima[k];
    }
}

/* The minima as a new bytes object, every value 2**32 - 1 (datasketch's empty MinHash);
 * NULL with an exception if a and b are not as many uint32 values. */
static PyObject *new_minima(Py_buffer *av, Py_buffer *bv, Py_ssize_t *p)
{
    PyObject *result;
    if (av->len != bv->len || av->len % 4 != 0) {
        PyErr_SetString(PyExc_ValueError, "a and b: the same number of uint32 values");
        return NULL;
    }
    *p = av->len / 4;
    result = PyBytes_FromStringAndSize(NULL, av->len);
    if (result != NULL)
        memset(PyBytes_AS_STRING(result), 0xFF, (size_t)av->len);
    return result;
}

/* sketch(shingles, a, b, portable=False) -> bytes: the uint32 minima (native byte order,
 * as numpy's tobytes), one a permutation; `shingles` an iterable of bytes, `a` and `b`
 * buffers of as many uint32 as permutations. */
static PyObject *sketch(PyObject *self, PyObject *args)
{
    PyObject *shingles, *iterator, *item, *result;
    Py_buffer av, bv;
    Py_ssize_t p;
    int portable = 0, fast;
    if (!PyArg_ParseTuple(args, "Oy*y*|p", &shingles, &av, &bv, &portable))
        return NULL;
    fast = use_ni && !portable;
    result = new_minima(&av, &bv, &p);
    iterator = result != NULL ? PyObject_GetIter(shingles) : NULL;
    if (iterator == NULL) {
        Py_CLEAR(result);
        goto done;
    }
    while ((item = PyIter_Next(iterator)) != NULL) {
        if (!PyBytes_Check(item)) {
            PyErr_SetString(PyExc_TypeError, "a shingle must be bytes");
            Py_DECREF(item);
            break;
        }
        fold((uint32_t *)PyBytes_AS_STRING(result), (const uint32_t *)av.buf, (const uint32_t *)bv.buf, p,
             fmix32(hash32((const unsigned char *)PyBytes_AS_STRING(item), PyBytes_GET_SIZE(item), fast)));
        Py_DECREF(item);
    }
    Py_DECREF(iterator);
    if (PyErr_Occurred())
        Py_CLEAR(result);
done:
    PyBuffer_Release(&av);
    PyBuffer_Release(&bv);
    return result;
}

/* A shingle met before? An open-addressing table of the distinct shingles (start, length
 * in the text), placed by their SHA-1's second word and told apart by their bytes: the
 * count is exact, whatever the hashes do. */
typedef struct {
    Py_ssize_t start, length; /* length -1: an empty slot */
} Slot;

static int is_new(Slot *table, size_t mask, const unsigned char *text, Py_ssize_t start, Py_ssize_t length,
                  uint32_t place)
{
    size_t i = place & mask;
    for (;; i = (i + 1) & mask) {
        if (table[i].length < 0) {
            table[i].start = start, table[i].length = length;
            return 1;
        }
        if (table[i].length == length && memcmp(text + table[i].start, text + start, (size_t)length) == 0)
            return 0;
    }
}

/* sketch_text(text, shingle_words, a, b, portable=False) -> (bytes, int): the sketch of
 * set(map(b" ".join, zip(*[words[i:] for i in range(shingle_words)]))), words being
 * text.split(b" ") (or of {text} when there are shingle_words words or fewer), and the
 * number of distinct shingles. A shingle of words i..i+k-1 joined by single spaces is
 * the text from word i's first byte to word i+k-1's last (split at every space, so the
 * join gives back the text between), hashed where it lies: no bytes object made. */
static PyObject *sketch_text(PyObject *self, PyObject *args)
{
    Py_buffer tv, av, bv;
    Py_ssize_t k, p, n_words = 1, i, distinct = 0, w;
    PyObject *result = NULL, *pair = NULL;
    Py_ssize_t *starts = NULL;
    Slot *table = NULL;
    size_t size = 16, mask;
    int portable = 0, fast;
    const unsigned char *text;
    if (!PyArg_ParseTuple(args, "y*ny*y*|p", &tv, &k, &av, &bv, &portable))
        return NULL;
    fast = use_ni && !portable;
    if (k < 1) {
        PyErr_SetString(PyExc_ValueError, "shingle_words must be 1 or more");
        goto done;
    }
    result = new_minima(&av, &bv, &p);
    if (result == NULL)
        goto done;
    text = (const unsigned char *)tv.buf;
    for (i = 0; i < tv.len; i++)
        n_words += text[i] == ' ';
    /* starts[w]: word w's first byte; starts[n_words] = len + 1 (one past the last word's
     * end and its would-be space), so word w ends at starts[w + 1] - 1 */
    starts = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(n_words + 1));
    if (starts == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    starts[0] = 0;
    for (i = 0, w = 1; i < tv.len; i++)
        if (text[i] == ' ')
            starts[w++] = i + 1;
    starts[n_words] = tv.len + 1;
    if (n_words <= k) { /* one shingle: the whole text */
        fold((uint32_t *)PyBytes_AS_STRING(result), (const uint32_t *)av.buf, (const uint32_t *)bv.buf, p,
             fmix32(hash32(text, tv.len, fast)));
        distinct = 1;
    } else {
        Py_ssize_t shingles = n_words - k + 1;
        while (size < 2 * (size_t)shingles)
            size *= 2;
        mask = size - 1;
        table = PyMem_Malloc(sizeof(Slot) * size);
        if (table == NULL) {
            PyErr_NoMemory();
            goto done;
        }
        for (i = 0; i < (Py_ssize_t)size; i++)
            table[i].length = -1;
        for (w = 0; w < shingles; w++) {
            Py_ssize_t start = starts[w], length = starts[w + k] - 1 - start;
            uint32_t h[5];
            sha1_words(text + start, length, h, fast);
            if (!is_new(table, mask, text, start, length, h[1]))
                continue; /* the same bytes, the same hash: the minima cannot move */
            distinct++;
            fold((uint32_t *)PyBytes_AS_STRING(result), (const uint32_t *)av.buf, (const uint32_t *)bv.buf, p,
                 fmix32(swap32(h[0])));
        }
    }
    pair = Py_BuildValue("On", result, distinct);
done:
    Py_XDECREF(result);
    PyMem_Free(starts);
    PyMem_Free(table);
    PyBuffer_Release(&tv);
    PyBuffer_Release(&av);
    PyBuffer_Release(&bv);
    return pair;
}

/* re's \w in a str pattern (SRE_UNI_IS_WORD), as pipeline/linemodel/_shape.c reads it */
#define IS_WORD(c) (Py_UNICODE_ISALNUM(c) || (c) == '_')
static unsigned char latin1_word[256]; /* IS_WORD of U+0000-U+00FF, filled at import */
#define WORD_CHAR(c) ((c) < 256 ? latin1_word[c] : IS_WORD(c))
#define UTF8_SIZE(c) ((c) < 0x80 ? 1 : (c) < 0x800 ? 2 : (c) < 0x10000 ? 3 : 4)

/* The two passes over one kind's code units (Py_UCS1, Py_UCS2 or Py_UCS4) */
#define JOINED_SIZE(T)                                                                                  \
    do {                                                                                                \
        const T *u = (const T *)data;                                                                   \
        for (i = 0; i < n; i++) {                                                                       \
            Py_UCS4 c = u[i];                                                                           \
            if (WORD_CHAR(c)) {                                                                         \
                words += !in_word;                                                                      \
                in_word = 1;                                                                            \
                size += UTF8_SIZE(c);                                                                   \
            } else                                                                                      \
                in_word = 0;                                                                            \
        }                                                                                               \
    } while (0)
#define JOINED_WRITE(T)                                                                                 \
    do {                                                                                                \
        const T *u = (const T *)data;                                                                   \
        for (i = 0; i < n; i++) {                                                                       \
            Py_UCS4 c = u[i];                                                                           \
            if (!WORD_CHAR(c)) {                                                                        \
                in_word = 0;                                                                            \
                continue;                                                                               \
            }                                                                                           \
            if (!in_word) {                                                                             \
                if (words++)                                                                            \
                    *o++ = ' ';                                                                         \
                in_word = 1;                                                                            \
            }                                                                                           \
            if (c < 0x80)                                                                               \
                *o++ = (unsigned char)c;                                                                \
            else if (c < 0x800) {                                                                       \
                *o++ = (unsigned char)(0xC0 | (c >> 6));                                                \
                *o++ = (unsigned char)(0x80 | (c & 0x3F));                                              \
            } else if (c < 0x10000) {                                                                   \
                *o++ = (unsigned char)(0xE0 | (c >> 12));                                               \
                *o++ = (unsigned char)(0x80 | ((c >> 6) & 0x3F));                                       \
                *o++ = (unsigned char)(0x80 | (c & 0x3F));                                              \
            } else {                                                                                    \
                *o++ = (unsigned char)(0xF0 | (c >> 18));                                               \
                *o++ = (unsigned char)(0x80 | ((c >> 12) & 0x3F));                                      \
                *o++ = (unsigned char)(0x80 | ((c >> 6) & 0x3F));                                       \
                *o++ = (unsigned char)(0x80 | (c & 0x3F));                                              \
            }                                                                                           \
        }                                                                                               \
    } while (0)

/* joined_words(text) -> bytes: " ".join(re.findall(r"\w+", text)).encode("utf-8"), the
 * bytes dedup_corpus hashes and shingles, written in two passes over the text (its size,
 * then its bytes) without a str made a word. A \w character is never a surrogate (Cs is
 * not alphanumeric), so every word encodes; U+0080-U+07FF take 2 bytes, U+0800-U+FFFF 3,
 * beyond 4, as UTF-8 does. */
static PyObject *joined_words(PyObject *self, PyObject *s)
{
    if (!PyUnicode_Check(s)) {
        PyErr_SetString(PyExc_TypeError, "joined_words: a str is needed");
        return NULL;
    }
    if (PyUnicode_READY(s) < 0)
        return NULL;
    int kind = PyUnicode_KIND(s), in_word = 0;
    const void *data = PyUnicode_DATA(s);
    Py_ssize_t n = PyUnicode_GET_LENGTH(s), i, size = 0, words = 0;
    if (kind == PyUnicode_1BYTE_KIND)
        JOINED_SIZE(Py_UCS1);
    else if (kind == PyUnicode_2BYTE_KIND)
        JOINED_SIZE(Py_UCS2);
    else
        JOINED_SIZE(Py_UCS4);
    if (words > 1)
        size += words - 1; /* the spaces between */
    PyObject *out = PyBytes_FromStringAndSize(NULL, size);
    if (out == NULL)
        return NULL;
    unsigned char *o = (unsigned char *)PyBytes_AS_STRING(out);
    in_word = 0;
    words = 0;
    if (kind == PyUnicode_1BYTE_KIND)
        JOINED_WRITE(Py_UCS1);
    else if (kind == PyUnicode_2BYTE_KIND)
        JOINED_WRITE(Py_UCS2);
    else
        JOINED_WRITE(Py_UCS4);
    return out;
}

static PyMethodDef methods[] = {
    {"joined_words", joined_words, METH_O,
     "joined_words(text) -> bytes: \" \".join(re.findall(r\"\\w+\", text)).encode(\"utf-8\")."},
    {"sha1", sha1, METH_VARARGS,
     "sha1(data, portable=False) -> the 20-byte SHA-1 digest (hashlib.sha1(data).digest())."},
    {"sketch", sketch, METH_VARARGS,
     "sketch(shingles, a, b, portable=False) -> bytes: min over the shingles of a * fmix32(sha1_hash32(s)) + b per "
     "permutation, uint32."},
    {"sketch_text", sketch_text, METH_VARARGS,
     "sketch_text(text, shingle_words, a, b, portable=False) -> (bytes, int): the sketch of the text's "
     "shingles of shingle_words space-separated words, and how many distinct shingles there are."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_minhash", "A body's MinHash: SHA-1 and the minima in C.",
                                    -1, methods};

PyMODINIT_FUNC PyInit__minhash(void)
{
    PyObject *m;
#ifdef HAVE_SHA_NI
    use_ni = sha_ni_usable();
#endif
    Py_UCS4 c;
    for (c = 0; c < 256; c++)
        latin1_word[c] = IS_WORD(c) ? 1 : 0;
    m = PyModule_Create(&module);
    if (m != NULL && (PyModule_AddIntConstant(m, "VERSION", VERSION) < 0 ||
                      PyModule_AddIntConstant(m, "SHA_EXTENSIONS", use_ni) < 0))
        Py_CLEAR(m);
    return m;
}
