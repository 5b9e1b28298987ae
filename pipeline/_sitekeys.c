/* Site learning's line keys in C (pipeline/siteprofile.py).

   line_keys(lines, edge): siteprofile.line_key of each line of the list `lines`:
       blake2b(" ".join(line.casefold().split()).strip(edge).encode("utf-8"),
               digest_size=8).hexdigest(),
   or None when that text is empty, with no Python object a line but the key. An ASCII
   str's casefold is its lower case (A-Z to a-z; str.casefold gives the same), made here
   as the line is read; any other line is case-folded by its own casefold method.
   ValueError when a folded line holds a surrogate (str.encode("utf-8") refuses it): the
   caller then runs the Python, which raises as before.

   key_sets(distinct, known, min_words): the loop of siteprofile._page_key_sets over a
   page's distinct lines: (keys, long_keys), each line's key known[line] (None: no key)
   added to `keys`, and to `long_keys` when len(line.split()) >= min_words; added in
   the order `distinct` gives its lines, as the Python adds them (so the sets are
   built alike).

   text_key_sets(text, known, min_words, edge): both in one pass over a page's text
   (below).

   blake2b is RFC 7693's, unkeyed, an 8-byte digest (the parameter block's digest
   length 8, fanout and depth 1): the digest hashlib.blake2b(data, digest_size=8)
   gives, checked against hashlib by tests/test_speed_round19.py. White space is
   Py_UNICODE_ISSPACE, str.split()'s. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

static const uint64_t IV[8] = {
    0x6A09E667F3BCC908ULL, 0xBB67AE8584CAA73BULL, 0x3C6EF372FE94F82BULL, 0xA54FF53A5F1D36F1ULL,
    0x510E527FADE682D1ULL, 0x9B05688C2B3E6C1FULL, 0x1F83D9ABFB41BD6BULL, 0x5BE0CD19137E2179ULL};

static const uint8_t SIGMA[12][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
    {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
    {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
    {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
    {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3}};

static inline uint64_t rotr64(uint64_t x, int n) { return (x >> n) | (x << (64 - n)); }

static inline uint64_t load64(const unsigned char *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

#define G(a, b, c, d, x, y)            \
    do {                               \
        v[a] = v[a] + v[b] + (x);      \
        v[d] = rotr64(v[d] ^ v[a], 32); \
        v[c] = v[c] + v[d];            \
        v[b] = rotr64(v[b] ^ v[c], 24); \
        v[a] = v[a] + v[b] + (y);      \
        v[d] = rotr64(v[d] ^ v[a], 16); \
        v[c] = v[c] + v[d];            \
        v[b] = rotr64(v[b] ^ v[c], 63); \
    } while (0)

static void compress(uint64_t h[8], const unsigned char block[128], uint64_t t, int last) {
    uint64_t v[16], m[16];
    for (int i = 0; i < 8; i++) {
        v[i] = h[i];
        v[i + 8] = IV[i];
    }
    v[12] ^= t;  /* the byte counter's high word is 0: a line is far under 2**64 bytes */
    if (last) v[14] = ~v[14];
    for (int i = 0; i < 16; i++) m[i] = load64(block + 8 * i);
    for (int r = 0; r < 12; r++) {
        const uint8_t *s = SIGMA[r];
        G(0, 4, 8, 12, m[s[0]], m[s[1]]);
        G(1, 5, 9, 13, m[s[2]], m[s[3]]);
        G(2, 6, 10, 14, m[s[4]], m[s[5]]);
        G(3, 7, 11, 15, m[s[6]], m[s[7]]);
        G(0, 5, 10, 15, m[s[8]], m[s[9]]);
        G(1, 6, 11, 12, m[s[10]], m[s[11]]);
        G(2, 7, 8, 13, m[s[12]], m[s[13]]);
        G(3, 4, 9, 14, m[s[14]], m[s[15]]);
    }
    for (int i = 0; i < 8; i++) h[i] ^= v[i] ^ v[i + 8];
}

/* blake2b(data, digest_size=8): the first word of the state, little endian. */
static uint64_t blake2b8(const unsigned char *data, size_t n) {
    uint64_t h[8];
    unsigned char block[128];
    memcpy(h, IV, sizeof h);
    h[0] ^= 0x01010000ULL ^ 8ULL;  /* depth 1, fanout 1, no key, 8-byte digest */
    uint64_t t = 0;
    while (n > 128) {
        t += 128;
        compress(h, data, t, 0);
        data += 128;
        n -= 128;
    }
    memset(block, 0, sizeof block);
    memcpy(block, data, n);
    t += n;
    compress(h, block, t, 1);
    return h[0];
}

static const char HEX[] = "0123456789abcdef";

static PyObject *hex_key(uint64_t word) {
    PyObject *text = PyUnicode_New(16, 127);
    if (text == NULL) return NULL;
    Py_UCS1 *out = PyUnicode_1BYTE_DATA(text);
    for (int i = 0; i < 8; i++) {
        unsigned int byte = (unsigned int)((word >> (8 * i)) & 0xFF);
        out[2 * i] = (Py_UCS1)HEX[byte >> 4];
        out[2 * i + 1] = (Py_UCS1)HEX[byte & 15];
    }
    return text;
}

static int in_edge(Py_UCS4 c, const Py_UCS4 *edge, Py_ssize_t n_edge) {
    for (Py_ssize_t i = 0; i < n_edge; i++)
        if (edge[i] == c) return 1;
    return 0;
}

/* 1: appended; 0: a surrogate (str.encode("utf-8") refuses it). */
static inline int put_utf8(unsigned char **p, Py_UCS4 c) {
    unsigned char *o = *p;
    if (c < 0x80) {
        *o++ = (unsigned char)c;
    } else if (c < 0x800) {
        *o++ = (unsigned char)(0xC0 | (c >> 6));
        *o++ = (unsigned char)(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        if (c >= 0xD800 && c <= 0xDFFF) return 0;
        *o++ = (unsigned char)(0xE0 | (c >> 12));
        *o++ = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
        *o++ = (unsigned char)(0x80 | (c & 0x3F));
    } else {
        *o++ = (unsigned char)(0xF0 | (c >> 18));
        *o++ = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
        *o++ = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
        *o++ = (unsigned char)(0x80 | (c & 0x3F));
    }
    *p = o;
    return 1;
}

/* line_key(line): a new reference to its key (a str) or None; NULL with an exception
   (ValueError for a surrogate). `buffer`/`capacity`: scratch space kept between calls. */
static PyObject *key_of(PyObject *line, const Py_UCS4 *edge, Py_ssize_t n_edge, unsigned char **buffer,
                        size_t *capacity) {
    PyObject *folded = NULL;
    if (!PyUnicode_Check(line)) {
        PyErr_SetString(PyExc_TypeError, "line_keys: a line that is not a str");
        return NULL;
    }
    /* ASCII: lowered as read. Otherwise (or a subclass): its casefold(). */
    int lower = PyUnicode_CheckExact(line) && PyUnicode_IS_ASCII(line);
    if (!lower) {
        folded = PyObject_CallMethod(line, "casefold", NULL);
        if (folded == NULL) return NULL;
        if (!PyUnicode_Check(folded)) {
            PyErr_SetString(PyExc_TypeError, "line_keys: casefold gave something other than a str");
            Py_DECREF(folded);
            return NULL;
        }
        line = folded;
    }
    Py_ssize_t length = PyUnicode_GET_LENGTH(line);
    int kind = PyUnicode_KIND(line);
    const void *data = PyUnicode_DATA(line);
    Py_ssize_t start = 0, end = length;
    /* The edge characters and white space hold no A-Z: lowering does not change them. */
    while (start < end) {
        Py_UCS4 c = PyUnicode_READ(kind, data, start);
        if (!(Py_UNICODE_ISSPACE(c) || in_edge(c, edge, n_edge))) break;
        start++;
    }
    while (end > start) {
        Py_UCS4 c = PyUnicode_READ(kind, data, end - 1);
        if (!(Py_UNICODE_ISSPACE(c) || in_edge(c, edge, n_edge))) break;
        end--;
    }
    if (start == end) {
        Py_XDECREF(folded);
        Py_RETURN_NONE;
    }
    size_t need = (size_t)(end - start) * 4;
    if (need > *capacity) {
        unsigned char *grown = PyMem_Realloc(*buffer, need);
        if (grown == NULL) {
            Py_XDECREF(folded);
            return PyErr_NoMemory();
        }
        *buffer = grown;
        *capacity = need;
    }
    unsigned char *o = *buffer;
    int space = 0;  /* a white space run is pending: one " " before the next word */
    for (Py_ssize_t i = start; i < end; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (Py_UNICODE_ISSPACE(c)) {
            space = 1;
            continue;
        }
        if (space) {
            *o++ = ' ';
            space = 0;
        }
        if (lower) {
            *o++ = (unsigned char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        } else if (!put_utf8(&o, c)) {
            PyErr_SetString(PyExc_ValueError, "line_keys: a surrogate");
            Py_XDECREF(folded);
            return NULL;
        }
    }
    Py_XDECREF(folded);
    return hex_key(blake2b8(*buffer, (size_t)(o - *buffer)));
}

static PyObject *line_keys(PyObject *self, PyObject *args) {
    PyObject *lines, *edge_text;
    if (!PyArg_ParseTuple(args, "O!U", &PyList_Type, &lines, &edge_text)) return NULL;
    Py_UCS4 *edge = PyUnicode_AsUCS4Copy(edge_text);
    if (edge == NULL) return NULL;
    Py_ssize_t n_edge = PyUnicode_GET_LENGTH(edge_text);
    Py_ssize_t n = PyList_GET_SIZE(lines);
    PyObject *result = PyList_New(n);
    unsigned char *buffer = NULL;
    size_t capacity = 0;
    if (result == NULL) goto fail;
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *key = key_of(PyList_GET_ITEM(lines, k), edge, n_edge, &buffer, &capacity);
        if (key == NULL) goto fail;
        PyList_SET_ITEM(result, k, key);
    }
    PyMem_Free(buffer);
    PyMem_Free(edge);
    return result;
fail:
    PyMem_Free(buffer);
    PyMem_Free(edge);
    Py_XDECREF(result);
    return NULL;
}

/* len(line.split()) >= min_words, counting no further than min_words. */
static int has_words(PyObject *line, Py_ssize_t min_words) {
    if (min_words <= 0) return 1;
    Py_ssize_t length = PyUnicode_GET_LENGTH(line), words = 0;
    int kind = PyUnicode_KIND(line);
    const void *data = PyUnicode_DATA(line);
    int in_word = 0;
    for (Py_ssize_t i = 0; i < length; i++) {
        if (Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, i))) {
            in_word = 0;
        } else if (!in_word) {
            in_word = 1;
            if (++words >= min_words) return 1;
        }
    }
    return 0;
}

static PyObject *key_sets(PyObject *self, PyObject *args) {
    PyObject *distinct, *known;
    Py_ssize_t min_words;
    if (!PyArg_ParseTuple(args, "OO!n", &distinct, &PyDict_Type, &known, &min_words)) return NULL;
    PyObject *keys = PySet_New(NULL), *long_keys = PySet_New(NULL), *iterator = NULL, *line = NULL;
    if (keys == NULL || long_keys == NULL) goto fail;
    iterator = PyObject_GetIter(distinct);
    if (iterator == NULL) goto fail;
    while ((line = PyIter_Next(iterator)) != NULL) {
        if (!PyUnicode_Check(line)) {
            PyErr_SetString(PyExc_TypeError, "key_sets: a line that is not a str");
            goto fail;
        }
        /* known[line]: a Remembered computes a missing one, as the Python's lookup does */
        PyObject *key = PyDict_GetItemWithError(known, line);
        if (key != NULL) {
            Py_INCREF(key);
        } else {
            if (PyErr_Occurred()) goto fail;
            key = PyObject_GetItem(known, line);
            if (key == NULL) goto fail;
        }
        int truth = PyObject_IsTrue(key);
        if (truth < 0 || (truth && PySet_Add(keys, key) < 0) ||
            (truth && has_words(line, min_words) && PySet_Add(long_keys, key) < 0)) {
            Py_DECREF(key);
            goto fail;
        }
        Py_DECREF(key);
        Py_CLEAR(line);
    }
    if (PyErr_Occurred()) goto fail;
    Py_DECREF(iterator);
    return Py_BuildValue("(NN)", keys, long_keys);
fail:
    Py_XDECREF(line);
    Py_XDECREF(iterator);
    Py_XDECREF(keys);
    Py_XDECREF(long_keys);
    return NULL;
}

/* text_key_sets(text, known, min_words, edge): _page_key_sets(text.split("\n"),
   min_words, known) with no list of lines: the pieces between line breaks (as
   str.split("\n") gives them) go straight into the set of the page's distinct lines,
   added in the text's order as set(lines) adds them, so the set is laid out alike and
   iterates alike. Then, in that set's order as the Python's two loops, each line is
   looked up in the dict `known` (a Remembered: its own lookup, not its __missing__),
   its key made as line_keys makes it and put in `known` when missing, and added to
   `keys`, and to `long_keys` when the line has min_words words: `known` gets its new
   lines, and the sets their keys, in the Python's order (a profile's Counter takes its
   keys in the order the set gives them; most_common breaks ties by it). ValueError (a
   surrogate) with `known` holding the keys made so far, each right: the caller then
   runs the Python. */
static PyObject *text_key_sets(PyObject *self, PyObject *args) {
    PyObject *text, *known, *edge_text;
    Py_ssize_t min_words;
    if (!PyArg_ParseTuple(args, "UO!nU", &text, &PyDict_Type, &known, &min_words, &edge_text)) return NULL;
    Py_UCS4 *edge = PyUnicode_AsUCS4Copy(edge_text);
    if (edge == NULL) return NULL;
    Py_ssize_t n_edge = PyUnicode_GET_LENGTH(edge_text);
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    PyObject *keys = PySet_New(NULL), *long_keys = PySet_New(NULL), *distinct = PySet_New(NULL);
    PyObject *line = NULL, *key = NULL, *iterator = NULL;
    unsigned char *buffer = NULL;
    size_t capacity = 0;
    if (keys == NULL || long_keys == NULL || distinct == NULL) goto fail;
    Py_ssize_t start = 0;
    while (start <= length) {
        Py_ssize_t end = PyUnicode_FindChar(text, '\n', start, length, 1);
        if (end == -2) goto fail;
        if (end == -1) end = length;
        line = PyUnicode_Substring(text, start, end);
        if (line == NULL || PySet_Add(distinct, line) < 0) goto fail;
        Py_CLEAR(line);
        start = end + 1;
    }
    iterator = PyObject_GetIter(distinct);
    if (iterator == NULL) goto fail;
    while ((line = PyIter_Next(iterator)) != NULL) {
        key = PyDict_GetItemWithError(known, line);
        if (key != NULL) {
            Py_INCREF(key);
        } else {
            if (PyErr_Occurred()) goto fail;
            key = key_of(line, edge, n_edge, &buffer, &capacity);
            if (key == NULL || PyDict_SetItem(known, line, key) < 0) goto fail;
        }
        int truth = PyObject_IsTrue(key);
        if (truth < 0 || (truth && PySet_Add(keys, key) < 0) ||
            (truth && has_words(line, min_words) && PySet_Add(long_keys, key) < 0))
            goto fail;
        Py_CLEAR(key);
        Py_CLEAR(line);
    }
    if (PyErr_Occurred()) goto fail;
    Py_DECREF(iterator);
    Py_DECREF(distinct);
    PyMem_Free(buffer);
    PyMem_Free(edge);
    return Py_BuildValue("(NN)", keys, long_keys);
fail:
    Py_XDECREF(key);
    Py_XDECREF(line);
    Py_XDECREF(iterator);
    Py_XDECREF(distinct);
    PyMem_Free(buffer);
    PyMem_Free(edge);
    Py_XDECREF(keys);
    Py_XDECREF(long_keys);
    return NULL;
}

static PyMethodDef methods[] = {
    {"line_keys", line_keys, METH_VARARGS, "siteprofile.line_key of each line (None: no text)."},
    {"key_sets", key_sets, METH_VARARGS, "(keys, keys of the lines of min_words or more) of a page's distinct lines."},
    {"text_key_sets", text_key_sets, METH_VARARGS, "key_sets of a page's text, its line keys made and remembered."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_sitekeys", NULL, -1, methods};

PyMODINIT_FUNC PyInit__sitekeys(void) { return PyModule_Create(&module); }
