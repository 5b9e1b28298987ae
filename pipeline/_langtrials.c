/* One trial of langdetect's Detector._detect_block in C (optional: language.py runs its
 * numpy code when this module is not built, or is a build older than the source); and,
 * below the trial, the n-gram rows of a sample's words (GramRows).
 *
 * A trial, as langdetect runs it (langdetect/detector.py), with `prob` 1/n_lang each:
 *
 *     i = 0
 *     while True:
 *         row = word_lang_prob_map[random.choice(ngrams)]
 *         for k: prob[k] *= weight + row[k]
 *         if i % 5 == 0:
 *             p[k] = prob[k] / sum(prob); maxp = the largest p (from 0.0, with `<`)
 *             if maxp > threshold or i >= limit: break
 *         i += 1
 *     langprob[k] += prob[k] / n_trial
 *
 * The same operations in the same order on the same doubles, so the same roundings:
 * `sum(prob)` is Python's built-in sum of a list of floats, which is a plain sequential
 * sum before Python 3.12 and Neumaier's compensated sum from 3.12 on (bltinmodule.c);
 * this module is compiled for one Python and does what that Python's sum does. No
 * product is added to anything here, so a fused multiply-add cannot change a rounding.
 * random.choice(ngrams) is Random._randbelow: k = n.bit_length() bits, the top k of the
 * next 32-bit word of the Mersenne Twister, tried again while >= n. The words come in
 * from language.py (random.Random(seed)'s stream, made once a seed), as do the weight
 * (alpha / BASE_FREQ, alpha from random.gauss, computed in Python) and each n-gram's
 * profile row (a float64 matrix of the profiles, one row an n-gram). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define VERSION 1 /* language.py uses the module's trial only when this is the version it knows */
#define MAX_LANGS 256

static double python_sum(const double *values, Py_ssize_t n)
{ /* sum(values) as this Python's built-in sum computes it for floats (from int 0) */
    double total = 0.0;
    Py_ssize_t k;
    if (n == 0)
        return 0.0;
    total = 0.0 + values[0];
#if PY_VERSION_HEX >= 0x030C0000
    {
        double c = 0.0, x, t;
        for (k = 1; k < n; k++) {
            x = values[k];
            t = total + x;
            if (fabs(total) >= fabs(x))
                c += (total - t) + x;
            else
                c += (x - t) + total;
            total = t;
        }
        if (c && isfinite(c))
            total += c;
    }
#else
    for (k = 1; k < n; k++)
        total += values[k];
#endif
    return total;
}

static PyObject *trial(PyObject *self, PyObject *args)
{
    Py_buffer ids_buf, matrix_buf, words_buf, langprob_buf;
    Py_ssize_t position, limit, n_trial, n, n_rows, n_words, n_lang, k, i;
    double weight, threshold, prob[MAX_LANGS];
    const int32_t *ids;
    const double *matrix, *row;
    const uint32_t *words;
    double *langprob;
    int shift, bits;
    uint32_t r;
    PyObject *result = NULL;

    if (!PyArg_ParseTuple(args, "y*y*y*nddnw*n", &ids_buf, &matrix_buf, &words_buf, &position, &weight,
                          &threshold, &limit, &langprob_buf, &n_trial))
        return NULL;
    n = ids_buf.len / 4;
    n_lang = langprob_buf.len / (Py_ssize_t)sizeof(double);
    if (n < 1 || n >= ((Py_ssize_t)1 << 31) || ids_buf.len % 4 || langprob_buf.len % sizeof(double) || n_lang < 1
        || n_lang > MAX_LANGS || matrix_buf.len % (n_lang * (Py_ssize_t)sizeof(double)) || words_buf.len % 4
        || position < 0 || n_trial < 1) {
        PyErr_SetString(PyExc_ValueError, "trial: bad sizes");
        goto done;
    }
    ids = (const int32_t *)ids_buf.buf;
    matrix = (const double *)matrix_buf.buf;
    words = (const uint32_t *)words_buf.buf;
    langprob = (double *)langprob_buf.buf;
    n_rows = matrix_buf.len / (n_lang * (Py_ssize_t)sizeof(double));
    n_words = words_buf.len / 4;
    for (bits = 0; ((Py_ssize_t)1 << bits) <= n; bits++)
        ; /* n.bit_length() */
    shift = 32 - bits;
    for (k = 0; k < n_lang; k++)
        prob[k] = 1.0 / (double)n_lang;
    for (i = 0;; i++) {
        do {
            if (position >= n_words) { /* the stream is used up: the caller makes it longer */
                result = PyLong_FromLong(-1);
                goto done;
            }
            r = words[position++] >> shift;
        } while ((Py_ssize_t)r >= n);
        if (ids[r] < 0 || ids[r] >= n_rows) {
            PyErr_SetString(PyExc_IndexError, "trial: an n-gram's row is outside the matrix");
            goto done;
        }
        row = matrix + (Py_ssize_t)ids[r] * n_lang;
        for (k = 0; k < n_lang; k++)
            prob[k] *= weight + row[k];
        if (i % 5 == 0) {
            double total = python_sum(prob, n_lang), maxp = 0.0, p;
            for (k = 0; k < n_lang; k++) {
                p = prob[k] / total;
                if (maxp < p)
                    maxp = p;
                prob[k] = p;
            }
            if (maxp > threshold || i >= limit)
                break;
        }
    }
    for (k = 0; k < n_lang; k++)
        langprob[k] += prob[k] / (double)n_trial;
    result = PyLong_FromSsize_t(position);
done:
    PyBuffer_Release(&ids_buf);
    PyBuffer_Release(&matrix_buf);
    PyBuffer_Release(&words_buf);
    PyBuffer_Release(&langprob_buf);
    return result;
}


/* ---- The n-gram rows of a sample's words (language._TokenRows and _word_rows in one pass).
 *
 * language.py looked each of a word's 1-, 2- and 3-grams up as a str: a new str a gram,
 * then language._ROW_OF (n-gram -> its row in the matrix) and langdetect's profile map
 * (87,598 n-grams, each key a str object of its own): some three cache misses a gram on
 * a page's words, behind two caches of words and tokens that missed a third of a
 * page's tokens. Here a gram is its code points packed into one 64-bit key, (c + 1) <<
 * 21 * j for its j-th character (a code point + 1 fits 21 bits, 0 means no character),
 * and one open-addressed table holds every profile n-gram's key with its row (-2 while
 * it has none): a gram is one look-up in one array, no str made, no cache of words. */

#define NO_ROW_YET (-2)
#define NORM_UNKNOWN 0xFFFFFFFFu
#define NORM_TABLE 0x10000 /* the BMP's characters' normalised forms, filled as met */

typedef struct {
    uint64_t key; /* 0: empty */
    int32_t row;  /* the n-gram's row in language._MATRIX, or NO_ROW_YET */
    int32_t unused;
} GramSlot;

typedef struct {
    PyObject_HEAD
    GramSlot *slots;
    uint64_t mask;
    int shift;
    PyObject *known;      /* the profile map the table was built from */
    PyObject *normalised; /* language._NORMALISED: code point -> its one-character form */
    uint32_t *norm;       /* NORM_TABLE code points' normalised code points, NORM_UNKNOWN unmet */
} GramRows;

static uint64_t pack_gram(const Py_UCS4 *chars, int length)
{
    uint64_t key = 0;
    for (int j = 0; j < length; j++)
        key |= (uint64_t)(chars[j] + 1) << (21 * j);
    return key;
}

static GramSlot *find_slot(GramRows *self, uint64_t key)
{ /* the key's slot, or the empty slot where it would go */
    uint64_t at = (key * 0x9E3779B97F4A7C15ull) >> self->shift;
    for (;;) {
        GramSlot *slot = &self->slots[at];
        if (slot->key == key || slot->key == 0)
            return slot;
        at = (at + 1) & self->mask;
    }
}

static void gram_rows_dealloc(GramRows *self)
{
    PyMem_Free(self->slots);
    PyMem_Free(self->norm);
    Py_XDECREF(self->known);
    Py_XDECREF(self->normalised);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* GramRows(known, row_of, normalised): every key of `known` (langdetect's profile map) of
 * one to three characters, with its row from `row_of` (language._ROW_OF) where it has one. */
static PyObject *gram_rows_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *known, *row_of, *normalised, *key, *value;
    Py_ssize_t pos = 0, size = 1;
    int bits = 0;
    if (!PyArg_ParseTuple(args, "O!O!O", &PyDict_Type, &known, &PyDict_Type, &row_of, &normalised))
        return NULL;
    while (size < 2 * PyDict_GET_SIZE(known) + 16) {
        size <<= 1;
        bits++;
    }
    GramRows *self = (GramRows *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    self->slots = PyMem_Calloc((size_t)size, sizeof(GramSlot));
    self->norm = PyMem_Malloc(sizeof(uint32_t) * NORM_TABLE);
    if (self->slots == NULL || self->norm == NULL) {
        Py_DECREF(self);
        return PyErr_NoMemory();
    }
    memset(self->norm, 0xFF, sizeof(uint32_t) * NORM_TABLE);
    self->mask = (uint64_t)size - 1;
    self->shift = 64 - bits;
    Py_INCREF(known);
    self->known = known;
    Py_INCREF(normalised);
    self->normalised = normalised;
    while (PyDict_Next(known, &pos, &key, &value)) {
        Py_UCS4 chars[3];
        Py_ssize_t length;
        if (!PyUnicode_Check(key) || (length = PyUnicode_GET_LENGTH(key)) < 1 || length > 3)
            continue; /* no gram of a word is such a key */
        for (Py_ssize_t j = 0; j < length; j++)
            chars[j] = PyUnicode_READ_CHAR(key, j);
        GramSlot *slot = find_slot(self, pack_gram(chars, (int)length));
        slot->key = pack_gram(chars, (int)length);
        slot->row = NO_ROW_YET;
        PyObject *row = PyDict_GetItemWithError(row_of, key); /* borrowed */
        if (row == NULL && PyErr_Occurred()) {
            Py_DECREF(self);
            return NULL;
        }
        if (row != NULL) {
            long r = PyLong_AsLong(row);
            if (r == -1 && PyErr_Occurred()) {
                Py_DECREF(self);
                return NULL;
            }
            slot->row = (int32_t)r;
        }
    }
    return (PyObject *)self;
}

static int normalised_char(GramRows *self, Py_UCS4 c, Py_UCS4 *out)
{ /* str.translate(language._NORMALISED) of one character: its one-character form */
    if (c < NORM_TABLE && self->norm[c] != NORM_UNKNOWN) {
        *out = self->norm[c];
        return 0;
    }
    PyObject *code = PyLong_FromUnsignedLong(c);
    if (code == NULL)
        return -1;
    PyObject *form = PyObject_GetItem(self->normalised, code);
    Py_DECREF(code);
    if (form == NULL)
        return -1;
    if (!PyUnicode_Check(form) || PyUnicode_GET_LENGTH(form) != 1) {
        Py_DECREF(form);
        PyErr_SetString(PyExc_ValueError, "GramRows: a character's normalised form is not one character");
        return -1;
    }
    *out = PyUnicode_READ_CHAR(form, 0);
    Py_DECREF(form);
    if (c < NORM_TABLE)
        self->norm[c] = *out;
    return 0;
}

typedef struct {
    int32_t *rows;
    Py_ssize_t count, capacity;
} RowList;

static int gram_row(GramRows *self, const Py_UCS4 *chars, int length, PyObject *added, RowList *out)
{ /* the gram's row appended to `out` if the profiles hold it; its row made by `added` if new */
    GramSlot *slot = find_slot(self, pack_gram(chars, length));
    if (slot->key == 0)
        return 0; /* no profile holds it */
    if (slot->row == NO_ROW_YET) {
        PyObject *gram = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, chars, length);
        if (gram == NULL)
            return -1;
        PyObject *made = PyObject_CallFunctionObjArgs(added, gram, self->known, NULL);
        Py_DECREF(gram);
        if (made == NULL)
            return -1;
        long r = PyLong_AsLong(made);
        Py_DECREF(made);
        if (r == -1 && PyErr_Occurred())
            return -1;
        if (r < 0 || r > INT32_MAX) {
            PyErr_SetString(PyExc_ValueError, "GramRows: a row out of range");
            return -1;
        }
        slot = find_slot(self, pack_gram(chars, length)); /* the table does not move, but be plain */
        slot->row = (int32_t)r;
    }
    if (out->count == out->capacity) {
        Py_ssize_t capacity = out->capacity ? 2 * out->capacity : 1024;
        int32_t *grown = PyMem_Realloc(out->rows, sizeof(int32_t) * capacity);
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        out->rows = grown;
        out->capacity = capacity;
    }
    out->rows[out->count++] = slot->row;
    return 0;
}

static int word_grams(GramRows *self, const Py_UCS4 *padded, const unsigned char *upper, Py_ssize_t n,
                      PyObject *added, RowList *out)
{ /* language._word_rows of the word in padded[1:n-1] (padded: a space, the word, a space) */
    Py_ssize_t end = n - 1;
    for (Py_ssize_t i = 1; i < end; i++) {
        if (upper[i] && upper[i - 1])
            continue; /* langdetect skips a position inside a run of capitals */
        if (gram_row(self, padded + i, 1, added, out) < 0 || gram_row(self, padded + i - 1, 2, added, out) < 0)
            return -1;
        if (i >= 2 && gram_row(self, padded + i - 2, 3, added, out) < 0)
            return -1;
    }
    if (gram_row(self, padded + end - 1, 2, added, out) < 0)
        return -1;
    return gram_row(self, padded + end - 2, 3, added, out);
}

/* rows(text, added) -> int32 bytes: b"".join(_TOKEN_ROWS[t] for t in text.split(" ")[:-1]),
 * the rows of the n-grams of each token followed by a space. A token's normalised form
 * (text.translate(normalised)) split at its spaces is the words _WORD_ROWS reads, each
 * followed by a space; so the rows are those of each run of non-space characters of the
 * normalised text, up to its last space (the last token, with no space after it, is
 * the caller's). */
static PyObject *gram_rows_rows(GramRows *self, PyObject *args)
{
    PyObject *text, *added, *result = NULL;
    if (!PyArg_ParseTuple(args, "UO", &text, &added))
        return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), last_space = -1;
    for (Py_ssize_t i = n - 1; i >= 0; i--)
        if (PyUnicode_READ_CHAR(text, i) == ' ') {
            last_space = i;
            break;
        }
    RowList out = {NULL, 0, 0};
    Py_UCS4 *padded = PyMem_Malloc(sizeof(Py_UCS4) * (n + 2));
    unsigned char *upper = PyMem_Malloc(n + 2);
    if (padded == NULL || upper == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t length = 0; /* characters of the word being read, in padded[1:] */
    padded[0] = ' ';
    upper[0] = 0;
    for (Py_ssize_t i = 0; i <= last_space; i++) {
        Py_UCS4 c;
        if (normalised_char(self, PyUnicode_READ(kind, data, i), &c) < 0)
            goto done;
        if (c == ' ') {
            if (length) {
                padded[length + 1] = ' ';
                upper[length + 1] = 0;
                if (word_grams(self, padded, upper, length + 2, added, &out) < 0)
                    goto done;
                length = 0;
            }
            continue;
        }
        length++;
        padded[length] = c;
        upper[length] = Py_UNICODE_ISUPPER(c) ? 1 : 0; /* str.isupper of one character */
    }
    result = PyBytes_FromStringAndSize((const char *)out.rows, out.count * (Py_ssize_t)sizeof(int32_t));
done:
    PyMem_Free(out.rows);
    PyMem_Free(padded);
    PyMem_Free(upper);
    return result;
}

static PyObject *gram_rows_known(GramRows *self, void *closure)
{
    Py_INCREF(self->known);
    return self->known;
}

static PyMethodDef gram_rows_methods[] = {
    {"rows", (PyCFunction)gram_rows_rows, METH_VARARGS,
     "rows(text, added) -> the int32 rows of the n-grams of text's tokens but the last, each followed by a space"},
    {NULL, NULL, 0, NULL}};

static PyGetSetDef gram_rows_getset[] = {{"known", (getter)gram_rows_known, NULL, "the profile map", NULL},
                                         {NULL, NULL, NULL, NULL, NULL}};

static PyTypeObject GramRowsType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "pipeline._langtrials.GramRows",
    .tp_basicsize = sizeof(GramRows),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = gram_rows_new,
    .tp_dealloc = (destructor)gram_rows_dealloc,
    .tp_methods = gram_rows_methods,
    .tp_getset = gram_rows_getset,
    .tp_doc = "GramRows(known, row_of, normalised): langdetect's profile n-grams packed, with their rows",
};

/* copy_row(matrix, row, values) -> True: matrix[row] = values, for a C-contiguous float64
 * matrix and a list of exact floats as long as a row (langdetect's profile rows); False,
 * the matrix untouched, for anything else (the caller assigns through numpy). numpy's
 * assignment of a list looks the list over once for its shape and type, then converts
 * it float by float: the same doubles, PyFloat_AS_DOUBLE of each item. */
static PyObject *copy_row(PyObject *self, PyObject *args)
{
    Py_buffer matrix;
    Py_ssize_t row;
    PyObject *array, *values;
    if (!PyArg_ParseTuple(args, "OnO", &array, &row, &values))
        return NULL;
    if (PyObject_GetBuffer(array, &matrix, PyBUF_WRITABLE | PyBUF_FORMAT | PyBUF_C_CONTIGUOUS) < 0) {
        PyErr_Clear(); /* not a writable C-contiguous buffer: numpy's assignment instead */
        Py_RETURN_FALSE;
    }
    Py_ssize_t n = PyList_Check(values) ? PyList_GET_SIZE(values) : 0;
    int done = 0;
    if (n > 0 && matrix.itemsize == (Py_ssize_t)sizeof(double) && matrix.ndim == 2 && matrix.shape[1] == n && row >= 0 && row < matrix.shape[0]
        && matrix.format != NULL && strcmp(matrix.format, "d") == 0) {
        Py_ssize_t k;
        for (k = 0; k < n && PyFloat_CheckExact(PyList_GET_ITEM(values, k)); k++)
            ;
        if (k == n) {
            double *out = (double *)matrix.buf + row * n;
            for (k = 0; k < n; k++)
                out[k] = PyFloat_AS_DOUBLE(PyList_GET_ITEM(values, k));
            done = 1;
        }
    }
    PyBuffer_Release(&matrix);
    return PyBool_FromLong(done);
}

static PyMethodDef methods[] = {
    {"trial", trial, METH_VARARGS,
     "trial(ids, matrix, words, position, weight, threshold, limit, langprob, n_trial) -> the stream position "
     "after one trial of langdetect's detector, whose probabilities / n_trial are added to langprob in place; "
     "-1 (langprob untouched) when the words run out first. ids: int32 rows of the n-grams; matrix: float64, "
     "len(langprob) columns; words: uint32 stream of random.Random(seed)."},
    {"copy_row", copy_row, METH_VARARGS,
     "copy_row(matrix, row, values) -> True once matrix[row] = values (float64 C-contiguous matrix, a list of floats "
     "as long as a row), else False with the matrix untouched"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_langtrials",
                                    "langdetect's detection trials in C.", -1, methods};

PyMODINIT_FUNC PyInit__langtrials(void)
{
    if (PyType_Ready(&GramRowsType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&GramRowsType);
    if (PyModule_AddIntConstant(m, "VERSION", VERSION) < 0 || PyModule_AddIntConstant(m, "GRAMS_VERSION", 1) < 0
        || PyModule_AddObject(m, "GramRows", (PyObject *)&GramRowsType) < 0) {
        Py_DECREF(&GramRowsType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
