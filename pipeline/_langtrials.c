/* One trial of langdetect's Detector._detect_block in C (optional: language.py runs its
 * numpy code when this module is not built, or is a build older than the source).
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

#define VERSION 1 /* language.py uses the module only when this is the version it knows */
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

static PyMethodDef methods[] = {
    {"trial", trial, METH_VARARGS,
     "trial(ids, matrix, words, position, weight, threshold, limit, langprob, n_trial) -> the stream position "
     "after one trial of langdetect's detector, whose probabilities / n_trial are added to langprob in place; "
     "-1 (langprob untouched) when the words run out first. ids: int32 rows of the n-grams; matrix: float64, "
     "len(langprob) columns; words: uint32 stream of random.Random(seed)."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_langtrials",
                                    "langdetect's detection trials in C.", -1, methods};

PyMODINIT_FUNC PyInit__langtrials(void)
{
    PyObject *m = PyModule_Create(&module);
    if (m != NULL && PyModule_AddIntConstant(m, "VERSION", VERSION) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
