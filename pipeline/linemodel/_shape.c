/* The per-character loops of a line's shape in C (optional: linewords.py, linemodel/shape.py
 * and lineshape.py run their Python code when this module is not built), and since the
 * seventeenth round the lexicon's literal scan (LiteralFinder, LiteralCandidates) and a line's
 * word n-grams (ngrams), since the twentieth Lexicon.match_line (LexiconMatcher): lexicon.py,
 * dedup_page.py and classify.py keep their Python too.
 *
 * Each function reproduces one piece of Python exactly, with the very predicates Python
 * uses (CPython 3.11, Objects/unicodeobject.c and Modules/_sre/sre.c):
 *   re's \w (str pattern)  = Py_UNICODE_ISALNUM(c) || c == '_'   (SRE_UNI_IS_WORD)
 *   re's \d                = Py_UNICODE_ISDECIMAL(c)             (SRE_UNI_IS_DIGIT)
 *   re's \s, str.strip()   = Py_UNICODE_ISSPACE(c)               (SRE_UNI_IS_SPACE)
 *   re's $ (no MULTILINE)  = at the end, or before a final '\n'  (SRE_AT_END)
 *   one character's str.isalpha / isupper / isdigit / isdecimal / isspace
 *                          = Py_UNICODE_ISALPHA / ISUPPER / ISDIGIT / ISDECIMAL / ISSPACE.
 * tests/test_shape_kernel.py checks every predicate over all of Unicode and each function
 * against the Python it replaces on every line of the seeds and test pages. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <stdint.h>
#include <math.h>
#include <string.h>

#define READ(i) PyUnicode_READ(kind, data, (i))
#define IS_WORD(c) (Py_UNICODE_ISALNUM(c) || (c) == '_')

/* The character sets of shape.py (_QUOTES' keys, _SEP_CHARS, _SENT_CHARS: ".!?。！？" and
 * language.SCRIPT_SENTENCE_ENDS), _SENT's closing quotes, _SEPS' and _BULLET's classes. */
static int is_quote(Py_UCS4 c)
{
    return c == 0x2018 || c == 0x2019 || c == 0x201C || c == 0x201D || c == 0xAB || c == 0xBB || c == 0x2013 ||
           c == 0x2014;
}
static int is_sep(Py_UCS4 c) { return c == '|' || c == '/' || c == 0x2022 || c == 0xB7 || c == 0xBB || c == '>'; }
static int is_sent(Py_UCS4 c)
{
    return c == '.' || c == '!' || c == '?' || c == 0x3002 || c == 0xFF01 || c == 0xFF1F || c == 0x0964 ||
           c == 0x0965 || c == 0x061F || c == 0x06D4 || c == 0x0589 || c == 0x1362 || c == 0x104B || c == 0x17D4 ||
           c == 0x0F0D;
}
static int is_sent_closer(Py_UCS4 c) { return c == '"' || c == '\'' || c == 0x201D || c == 0x2019 || c == ')'; }
static int is_bullet(Py_UCS4 c)
{
    return c == '-' || c == '*' || c == 0x2022 || c == 0xB7 || c == 0x25AA || c == 0x25CF || c == 0x25E6 ||
           c == 0x2013 || c == 0x2014 || c == '>';
}
static int is_cjk(Py_UCS4 c)  /* shape._CJK's ranges */
{
    return (c >= 0x3040 && c <= 0x30FF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) ||
           (c >= 0xF900 && c <= 0xFAFF);
}

/* shape._char_bits(c): the ten class bits in shape.py's order. */
static unsigned bits_of(Py_UCS4 c)
{
    unsigned b = 0;
    if (Py_UNICODE_ISALPHA(c)) b |= 1u | (Py_UNICODE_ISUPPER(c) ? 2u : 0u);
    if (Py_UNICODE_ISDIGIT(c)) b |= 4u;
    if (Py_UNICODE_ISDECIMAL(c)) b |= 32u;
    if (Py_UNICODE_ISSPACE(c)) b |= 8u | (c != ' ' ? 256u : 0u);
    if (is_cjk(c)) b |= 16u;
    if (is_quote(c)) b |= 64u;
    if (is_sep(c)) b |= 128u;
    if (is_sent(c)) b |= 512u;
    return b;
}

/* bits_of and the \w bit of every BMP character, made once at import: most characters are
 * looked up here, the others (astral) computed. */
#define SHAPE_WORD 1024u
static uint16_t bmp[0x10000];

static void fill_bmp(void)
{
    for (Py_UCS4 c = 0; c < 0x10000; c++) bmp[c] = (uint16_t)(bits_of(c) | (IS_WORD(c) ? SHAPE_WORD : 0u));
}

static inline unsigned bits_at(Py_UCS4 c)
{
    return c < 0x10000 ? bmp[c] : (bits_of(c) | (IS_WORD(c) ? SHAPE_WORD : 0u));
}
#define W(c) (bits_at(c) & SHAPE_WORD)
#define D(c) (bits_at(c) & 32u)
#define S(c) (bits_at(c) & 8u)

static int check_str(PyObject *s)
{
    if (!PyUnicode_Check(s)) {
        PyErr_SetString(PyExc_TypeError, "_shape: a str is needed");
        return -1;
    }
    return PyUnicode_READY(s);
}

/* words(s): tuple(re.compile(r"\w+").findall(s)). */
static PyObject *words(PyObject *self, PyObject *s)
{
    if (check_str(s) < 0) return NULL;
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    Py_ssize_t n = PyUnicode_GET_LENGTH(s), count = 0, i = 0;
    while (i < n) {  /* count the runs first, so the tuple is made at its size */
        if (W(READ(i))) {
            count++;
            while (++i < n && W(READ(i)));
        } else i++;
    }
    PyObject *out = PyTuple_New(count);
    if (!out) return NULL;
    Py_ssize_t k = 0;
    i = 0;
    while (i < n) {
        if (W(READ(i))) {
            Py_ssize_t start = i;
            while (++i < n && W(READ(i)));
            PyObject *w = PyUnicode_Substring(s, start, i);
            if (!w) { Py_DECREF(out); return NULL; }
            PyTuple_SET_ITEM(out, k++, w);
        } else i++;
    }
    return out;
}

/* class_counts(texts): [[count of characters with bit b for b in range(10)] per text],
 * shape._class_counts(texts).tolist(). */
static PyObject *class_counts(PyObject *self, PyObject *texts)
{
    PyObject *seq = PySequence_Fast(texts, "_shape.class_counts: a sequence of str is needed");
    if (!seq) return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject *out = PyList_New(n);
    if (!out) { Py_DECREF(seq); return NULL; }
    for (Py_ssize_t t = 0; t < n; t++) {
        PyObject *s = PySequence_Fast_GET_ITEM(seq, t);
        if (check_str(s) < 0) goto fail;
        int kind = PyUnicode_KIND(s);
        const void *data = PyUnicode_DATA(s);
        Py_ssize_t len = PyUnicode_GET_LENGTH(s), c[10] = {0};
        for (Py_ssize_t i = 0; i < len; i++) {
            unsigned b = bits_at(READ(i)) & 1023u;
            for (int j = 0; b; j++, b >>= 1) c[j] += b & 1u;
        }
        PyObject *row = PyList_New(10);
        if (!row) goto fail;
        for (int j = 0; j < 10; j++) {
            PyObject *v = PyLong_FromSsize_t(c[j]);
            if (!v) { Py_DECREF(row); goto fail; }
            PyList_SET_ITEM(row, j, v);
        }
        PyList_SET_ITEM(out, t, row);
    }
    Py_DECREF(seq);
    return out;
fail:
    Py_DECREF(seq);
    Py_DECREF(out);
    return NULL;
}

/* char_bits(codepoint) -> int: bits_of, for the tests over all of Unicode. */
static PyObject *char_bits(PyObject *self, PyObject *arg)
{
    unsigned long c = PyLong_AsUnsignedLong(arg);
    if (c == (unsigned long)-1 && PyErr_Occurred()) return NULL;
    if (c > 0x10FFFF) { PyErr_SetString(PyExc_ValueError, "not a code point"); return NULL; }
    return PyLong_FromUnsignedLong(bits_at((Py_UCS4)c) & 1023u);
}

/* predicates(codepoint) -> (is \w, is re's \d, is \s, is _CJK, is _SENT's closer, is a _BULLET
 * class character): the tests check each against re over all of Unicode. */
static PyObject *predicates(PyObject *self, PyObject *arg)
{
    unsigned long c = PyLong_AsUnsignedLong(arg);
    if (c == (unsigned long)-1 && PyErr_Occurred()) return NULL;
    if (c > 0x10FFFF) { PyErr_SetString(PyExc_ValueError, "not a code point"); return NULL; }
    Py_UCS4 u = (Py_UCS4)c;
    return Py_BuildValue("(iiiiii)", W(u) ? 1 : 0, D(u) ? 1 : 0, S(u) ? 1 : 0, is_cjk(u), is_sent_closer(u),
                         is_bullet(u));
}

/* Where re's `$` matches without MULTILINE. */
#define AT_END(p) ((p) == n || ((p) == n - 1 && READ(p) == '\n'))

/* len(shape._SENT.findall(s)): [.!?。！？...]["'”’)]?(?:\s|$), left to right, no overlap. A
 * closer is never \s nor at the end, so "no closer" cannot succeed where one follows. */
static Py_ssize_t count_sent(int kind, const void *data, Py_ssize_t n)
{
    Py_ssize_t count = 0, i = 0;
    while (i < n) {
        if (is_sent(READ(i))) {
            Py_ssize_t j = i + 1, end = -1;
            if (j < n && is_sent_closer(READ(j))) {
                Py_ssize_t k = j + 1;
                if (k < n && S(READ(k))) end = k + 1;
                else if (AT_END(k)) end = k;
            } else if (j < n && S(READ(j))) end = j + 1;
            else if (AT_END(j)) end = j;
            if (end > 0) { count++; i = end; continue; }
        }
        i++;
    }
    return count;
}

/* len(shape._SEPS.findall(s)): \s[|/•·»>]+\s|>>|\|, left to right, no overlap. A separator
 * character is never \s, so the greedy run gives up nothing that could match. */
static Py_ssize_t count_seps(int kind, const void *data, Py_ssize_t n)
{
    Py_ssize_t count = 0, i = 0;
    while (i < n) {
        Py_UCS4 c = READ(i);
        if (S(c) && i + 1 < n && is_sep(READ(i + 1))) {
            Py_ssize_t j = i + 2;
            while (j < n && is_sep(READ(j))) j++;
            if (j < n && S(READ(j))) { count++; i = j + 1; continue; }
        }
        if (c == '>' && i + 1 < n && READ(i + 1) == '>') { count++; i += 2; continue; }
        if (c == '|') { count++; i++; continue; }
        i++;
    }
    return count;
}

/* The end of shape._BULLET's match at the start, ^(?:[-*•·▪●◦–—>]+|\d{1,3}[.)])\s+, or -1.
 * Neither a bullet character nor a digit is \s or [.)], so backtracking finds nothing more. */
static Py_ssize_t bullet_end(int kind, const void *data, Py_ssize_t n)
{
    Py_ssize_t j = 0;
    if (n > 0 && is_bullet(READ(0))) {
        while (j < n && is_bullet(READ(j))) j++;
    } else {
        while (j < n && j < 3 && D(READ(j))) j++;
        if (j == 0 || j >= n || (READ(j) != '.' && READ(j) != ')')) return -1;
        j++;
    }
    if (j >= n || !S(READ(j))) return -1;
    while (j < n && S(READ(j))) j++;
    return j;
}

/* An ASCII string lowered (str.lower and str.casefold of ASCII text: A-Z to a-z, nothing
 * else), a new reference; the string itself when it has no capital. */
static PyObject *ascii_lower(PyObject *w)
{
    const Py_UCS1 *a = PyUnicode_1BYTE_DATA(w);
    Py_ssize_t len = PyUnicode_GET_LENGTH(w), i;
    for (i = 0; i < len && !(a[i] >= 'A' && a[i] <= 'Z'); i++);
    if (i == len) { Py_INCREF(w); return w; }
    PyObject *low = PyUnicode_New(len, 127);
    if (!low) return NULL;
    Py_UCS1 *b = PyUnicode_1BYTE_DATA(low);
    for (i = 0; i < len; i++) b[i] = (a[i] >= 'A' && a[i] <= 'Z') ? (Py_UCS1)(a[i] + 32) : a[i];
    return low;
}

/* w.lower() (or w.casefold()) in stop: an ASCII word is lowered here, any other by str's own
 * method. */
static int stop_has_folded(PyObject *stop, PyObject *w, int casefold)
{
    PyObject *low = PyUnicode_IS_ASCII(w) ? ascii_lower(w) : PyObject_CallMethod(w, casefold ? "casefold" : "lower", NULL);
    if (!low) return -1;
    int r = PySet_Contains(stop, low);
    Py_DECREF(low);
    return r;
}

/* str.lower(w) in stop: an ASCII word without capitals is its own lower case; a word with
 * ASCII capitals only is lowered here; any other word by str.lower itself. */
static int stop_has(PyObject *stop, PyObject *w)
{
    if (PyUnicode_IS_ASCII(w)) {
        const Py_UCS1 *a = PyUnicode_1BYTE_DATA(w);
        Py_ssize_t len = PyUnicode_GET_LENGTH(w), i;
        for (i = 0; i < len && !(a[i] >= 'A' && a[i] <= 'Z'); i++);
        if (i == len) return PySet_Contains(stop, w);
        PyObject *low = PyUnicode_New(len, 127);
        if (!low) return -1;
        Py_UCS1 *b = PyUnicode_1BYTE_DATA(low);
        for (i = 0; i < len; i++) b[i] = (a[i] >= 'A' && a[i] <= 'Z') ? (Py_UCS1)(a[i] + 32) : a[i];
        int r = PySet_Contains(stop, low);
        Py_DECREF(low);
        return r;
    }
    PyObject *low = PyObject_CallMethod(w, "lower", NULL);
    if (!low) return -1;
    int r = PySet_Contains(stop, low);
    Py_DECREF(low);
    return r;
}

/* line_parts(s, words, stop, with_cjk, n_sentc, n_sepc) ->
 *   (n_latin, latin_chars, n_stop, n_alpha_first, n_upper_first, n_sent, n_seps, bullet)
 * the integers shape.line_shape reads off its words and text (see _line_parts_py there). */
static int parts_of(PyObject *s, PyObject *wordseq, PyObject *stop, int with_cjk, int sentc, int sepc,
                    Py_ssize_t *got);

static PyObject *line_parts(PyObject *self, PyObject *args)
{
    PyObject *s, *wordseq, *stop;
    int with_cjk, sentc, sepc;
    if (!PyArg_ParseTuple(args, "UOOppp", &s, &wordseq, &stop, &with_cjk, &sentc, &sepc)) return NULL;
    Py_ssize_t got[8];
    if (parts_of(s, wordseq, stop, with_cjk, sentc, sepc, got) < 0) return NULL;
    return Py_BuildValue("(nnnnnnni)", got[0], got[1], got[2], got[3], got[4], got[5], got[6], (int)got[7]);
}

/* line_parts' eight integers into got[] (0, or -1 with an exception). */
static int parts_of(PyObject *s, PyObject *wordseq, PyObject *stop, int with_cjk, int sentc, int sepc,
                    Py_ssize_t *got)
{
    if (!PyFrozenSet_CheckExact(stop) && !PySet_CheckExact(stop)) {  /* a subclass may redefine `in` */
        PyErr_SetString(PyExc_TypeError, "_shape.line_parts: stop must be a set or frozenset");
        return -1;
    }
    if (PyUnicode_READY(s) < 0) return -1;
    PyObject *seq = PySequence_Fast(wordseq, "_shape.line_parts: a sequence of words is needed");
    if (!seq) return -1;
    Py_ssize_t nw = PySequence_Fast_GET_SIZE(seq), n_latin = 0, chars = 0, n_stop = 0, n_alpha = 0, n_upper = 0;
    int any_stop = PySet_GET_SIZE(stop) > 0;
    for (Py_ssize_t k = 0; k < nw; k++) {
        PyObject *w = PySequence_Fast_GET_ITEM(seq, k);
        if (check_str(w) < 0) goto fail;
        Py_ssize_t len = PyUnicode_GET_LENGTH(w);
        int kind = PyUnicode_KIND(w);
        const void *data = PyUnicode_DATA(w);
        if (with_cjk && kind != PyUnicode_1BYTE_KIND) {  /* not _CJK.search(w) */
            Py_ssize_t i;
            for (i = 0; i < len && !is_cjk(READ(i)); i++);
            if (i < len) continue;
        }
        n_latin++;
        chars += len;
        if (any_stop) {
            int r = stop_has(stop, w);
            if (r < 0) goto fail;
            n_stop += r;
        }
        if (len > 0) {  /* a \w+ word is never empty; the check keeps any sequence safe */
            unsigned b = bits_at(READ(0));  /* str.isalpha, and str.isupper of a letter */
            if (b & 1u) {
                n_alpha++;
                if (b & 2u) n_upper++;
            }
        }
    }
    Py_DECREF(seq);
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    got[0] = n_latin; got[1] = chars; got[2] = n_stop; got[3] = n_alpha; got[4] = n_upper;
    got[5] = sentc ? count_sent(kind, data, n) : 0;
    got[6] = sepc ? count_seps(kind, data, n) : 0;
    got[7] = bullet_end(kind, data, n) >= 0;
    return 0;
fail:
    Py_DECREF(seq);
    return -1;
}

/* One of the twelve months' first three letters, as re matches them under IGNORECASE: each
 * letter of them in either ASCII case, and 's' also as 'ſ' (U+017F), re's only other twin of
 * these letters (checked over all of Unicode by tests/test_shape_kernel.py). */
static int month3(Py_UCS4 a, Py_UCS4 b, Py_UCS4 c)
{
    static const char *months[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
    Py_UCS4 x[3] = {a, b, c};
    char low[3];
    for (int i = 0; i < 3; i++) {
        if (x[i] == 0x17F) low[i] = 's';
        else if (x[i] < 128) low[i] = (char)((x[i] >= 'A' && x[i] <= 'Z') ? x[i] + 32 : x[i]);
        else return 0;
    }
    for (int k = 0; k < 12; k++)
        if (low[0] == months[k][0] && low[1] == months[k][1] && low[2] == months[k][2]) return 1;
    return 0;
}

/* count_dateish(s, match) -> len(shape._DATEISH.findall(s)), where match is _DATEISH.match.
 * findall searches from where its last match ended, and a search is match tried at each
 * place in turn; match is only tried here where one of the regex's forms can start: a
 * digit after no digit (the \b\d... forms and (?<!\d)\d+), or at a word boundary a
 * month's first three letters (the month forms). Every form takes one character or more. */
static Py_ssize_t dateish_count(PyObject *s, PyObject *match);

static PyObject *count_dateish(PyObject *self, PyObject *args)
{
    PyObject *s, *match;
    if (!PyArg_ParseTuple(args, "UO", &s, &match)) return NULL;
    Py_ssize_t count = dateish_count(s, match);
    return count < 0 ? NULL : PyLong_FromSsize_t(count);
}

/* count_dateish's count, or -1 with an exception. */
static Py_ssize_t dateish_count(PyObject *s, PyObject *match)
{
    if (PyUnicode_READY(s) < 0) return -1;
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    Py_ssize_t n = PyUnicode_GET_LENGTH(s), count = 0, p = 0;
    while (p < n) {
        Py_UCS4 c = READ(p);
        int maybe = D(c) ? (p == 0 || !D(READ(p - 1)))
                         : (p + 2 < n && ((p > 0 && W(READ(p - 1))) ? 1 : 0) != (W(c) ? 1 : 0) &&
                            month3(c, READ(p + 1), READ(p + 2)));
        if (!maybe) { p++; continue; }
        PyObject *m = PyObject_CallFunction(match, "On", s, p);
        if (!m) return -1;
        if (m == Py_None) { Py_DECREF(m); p++; continue; }
        PyObject *end = PyObject_CallMethod(m, "end", NULL);
        Py_DECREF(m);
        if (!end) return -1;
        Py_ssize_t e = PyLong_AsSsize_t(end);
        Py_DECREF(end);
        if (e == -1 && PyErr_Occurred()) return -1;
        if (e <= p) {
            PyErr_SetString(PyExc_ValueError, "_shape.count_dateish: an empty match");
            return -1;
        }
        count++;
        p = e;
    }
    return count;
}

/* count_stops(words, stop) -> how many of the words casefolded are in stop: lineshape's
 * stopword count, sum(map(stop.__contains__, " ".join(words).casefold().split(" "))) for a
 * non-empty stoplist and words (casefold maps each character on its own and makes no space). */
static PyObject *count_stops(PyObject *self, PyObject *args)
{
    PyObject *wordseq, *stop;
    if (!PyArg_ParseTuple(args, "OO", &wordseq, &stop)) return NULL;
    if (!PyFrozenSet_CheckExact(stop) && !PySet_CheckExact(stop)) {
        PyErr_SetString(PyExc_TypeError, "_shape.count_stops: stop must be a set or frozenset");
        return NULL;
    }
    PyObject *seq = PySequence_Fast(wordseq, "_shape.count_stops: a sequence of words is needed");
    if (!seq) return NULL;
    Py_ssize_t nw = PySequence_Fast_GET_SIZE(seq), count = 0;
    for (Py_ssize_t k = 0; k < nw; k++) {
        PyObject *w = PySequence_Fast_GET_ITEM(seq, k);
        if (check_str(w) < 0) { Py_DECREF(seq); return NULL; }
        int r = stop_has_folded(stop, w, 1);
        if (r < 0) { Py_DECREF(seq); return NULL; }
        count += r;
    }
    Py_DECREF(seq);
    return PyLong_FromSsize_t(count);
}

/* Adds s[start:end] to the set, unless it is in `stop` (a set or frozenset, or NULL). */
static int add_sub(PyObject *set, PyObject *s, Py_ssize_t start, Py_ssize_t end, PyObject *stop)
{
    PyObject *w = PyUnicode_Substring(s, start, end);
    if (!w) return -1;
    int r = stop ? PySet_Contains(stop, w) : 0;
    if (r == 0) r = PySet_Add(set, w);
    Py_DECREF(w);
    return r < 0 ? -1 : 0;
}

/* content_set(text) -> blocks._content_set(text): in the lowered line, the character bigrams
 * of each run of _CJK_RUN's characters (a run of one: itself), and each run of \w characters
 * outside them (_CJK_RUN.sub(" ", low), a line without such runs left as it is) of 3 or more
 * characters that is not all str.isdigit. */
static PyObject *content_into(PyObject *text, PyObject *out, PyObject *stop);

static PyObject *content_set(PyObject *self, PyObject *text)
{
    PyObject *out = PySet_New(NULL);
    return out ? content_into(text, out, NULL) : NULL;
}

/* content_without(text, stop) -> frozenset(content_set(text).difference(stop)), stop a set
 * or frozenset of str (blocks._content_without): the words in `stop` are never added. A
 * frozenset may be filled while no one else holds it (PySet_Add's documented exception). */
static PyObject *content_without(PyObject *self, PyObject *args)
{
    PyObject *text, *stop;
    if (!PyArg_ParseTuple(args, "OO", &text, &stop)) return NULL;
    if (!PyAnySet_CheckExact(stop)) {
        PyErr_SetString(PyExc_TypeError, "content_without: stop must be a set or frozenset");
        return NULL;
    }
    PyObject *out = PyFrozenSet_New(NULL);
    if (!out) return NULL;
    return content_into(text, out, stop);
}

/* A character of blocks._CJK_RUN: the line shape's CJK (Han, kana; its class bit 16) and
 * Hangul, whose words' particles cling to them, so that cohesion reads Korean in bigrams too. */
#define RUN_CHAR(c, b) (((b) & 16u) || ((c) >= 0xAC00 && (c) <= 0xD7AF))

/* Fills `out` (stolen: returned, or released on an error) with text's content words not in
 * `stop` (NULL: none left out). */
static PyObject *content_into(PyObject *text, PyObject *out, PyObject *stop)
{
    if (check_str(text) < 0) { Py_DECREF(out); return NULL; }
    PyObject *low = PyUnicode_IS_ASCII(text) ? ascii_lower(text) : PyObject_CallMethod(text, "lower", NULL);
    if (!low) { Py_DECREF(out); return NULL; }
    if (PyUnicode_READY(low) < 0) { Py_DECREF(low); Py_DECREF(out); return NULL; }
    int kind = PyUnicode_KIND(low);
    const void *data = PyUnicode_DATA(low);
    Py_ssize_t n = PyUnicode_GET_LENGTH(low), i = 0;
    while (i < n) {
        Py_UCS4 c = READ(i);
        unsigned b = bits_at(c);
        Py_ssize_t j = i + 1;
        if (RUN_CHAR(c, b)) {  /* a CJK run */
            while (j < n && RUN_CHAR(READ(j), bits_at(READ(j)))) j++;
            if (j - i == 1) {
                if (add_sub(out, low, i, j, stop) < 0) goto fail;
            } else {
                for (Py_ssize_t k = i; k + 1 < j; k++)
                    if (add_sub(out, low, k, k + 2, stop) < 0) goto fail;
            }
        } else if (b & SHAPE_WORD) {
            int digits = (b & 4u) != 0;
            for (; j < n; j++) {
                unsigned bj = bits_at(READ(j));
                if (!(bj & SHAPE_WORD) || RUN_CHAR(READ(j), bj)) break;
                digits &= (bj & 4u) != 0;
            }
            if (j - i >= 3 && !digits && add_sub(out, low, i, j, stop) < 0) goto fail;
        }
        i = j;
    }
    Py_DECREF(low);
    return out;
fail:
    Py_DECREF(low);
    Py_DECREF(out);
    return NULL;
}

/* bullet_end(s) -> the end of shape._BULLET.match(s), or -1. */
static PyObject *py_bullet_end(PyObject *self, PyObject *s)
{
    if (check_str(s) < 0) return NULL;
    return PyLong_FromSsize_t(bullet_end(PyUnicode_KIND(s), PyUnicode_DATA(s), PyUnicode_GET_LENGTH(s)));
}

/* counts(s) -> (len(_SENT.findall(s)), len(_SEPS.findall(s))), for the tests. */
static PyObject *py_counts(PyObject *self, PyObject *s)
{
    if (check_str(s) < 0) return NULL;
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    return Py_BuildValue("(nn)", count_sent(kind, data, n), count_seps(kind, data, n));
}

/* mask_digits(s): re.sub(r"\d+", "0", s). */
static PyObject *mask_digits(PyObject *self, PyObject *s)
{
    if (check_str(s) < 0) return NULL;
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    Py_ssize_t n = PyUnicode_GET_LENGTH(s), m = 0, i = 0;
    Py_UCS4 maxc = 0;
    int any = 0;
    for (i = 0; i < n; i++) {  /* the result's length and widest character */
        Py_UCS4 c = READ(i);
        if (D(c)) {
            any = 1;
            if (i == 0 || !D(READ(i - 1))) { m++; if (maxc < '0') maxc = '0'; }
        } else {
            m++;
            if (c > maxc) maxc = c;
        }
    }
    if (!any) { Py_INCREF(s); return s; }
    PyObject *out = PyUnicode_New(m, maxc);
    if (!out) return NULL;
    int okind = PyUnicode_KIND(out);
    void *odata = PyUnicode_DATA(out);
    Py_ssize_t o = 0;
    for (i = 0; i < n; i++) {
        Py_UCS4 c = READ(i);
        if (D(c)) {
            if (i == 0 || !D(READ(i - 1))) PyUnicode_WRITE(okind, odata, o++, '0');
        } else PyUnicode_WRITE(okind, odata, o++, c);
    }
    return out;
}

/* shape._QUOTES: the typographic quotes and dashes as ASCII ones. */
static Py_UCS4 unquote(Py_UCS4 c)
{
    switch (c) {
    case 0x2018: case 0x2019: return '\'';
    case 0x201C: case 0x201D: case 0xAB: case 0xBB: return '"';
    case 0x2013: case 0x2014: return '-';
    default: return c;
    }
}

/* norm_tail(t, quotes, spaces, digits) -> (norm, shape): shape.norm_and_shape's steps after
 * its NFKC test, on t = s when NFKC leaves s as it is:
 *   if quotes: t = t.translate(_QUOTES)
 *   if spaces or "  " in t: t = _WS.sub(" ", t).strip()
 *   t = _BULLET.sub("", t).casefold()        (_BULLET only matches at the start)
 *   return t, (_DIGITS.sub("0", t) if digits else t)
 * An ASCII line is lowered here (casefold of ASCII is lower), any other by str.casefold. */
static PyObject *norm_tail(PyObject *self, PyObject *args)
{
    PyObject *t;
    int quotes, spaces, digits;
    if (!PyArg_ParseTuple(args, "Uppp", &t, &quotes, &spaces, &digits)) return NULL;
    if (PyUnicode_READY(t) < 0) return NULL;
    int kind = PyUnicode_KIND(t);
    const void *data = PyUnicode_DATA(t);
    Py_ssize_t n = PyUnicode_GET_LENGTH(t), m = 0;
    Py_UCS4 *buf = PyMem_Malloc((n ? n : 1) * sizeof(Py_UCS4));
    if (!buf) return PyErr_NoMemory();
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = READ(i);
        buf[i] = quotes ? unquote(c) : c;
    }
    m = n;
    if (!spaces)
        for (Py_ssize_t i = 0; i + 1 < n; i++)
            if (buf[i] == ' ' && buf[i + 1] == ' ') { spaces = 1; break; }
    if (spaces) {  /* each run of \s as one space, then str.strip (its whitespace is \s) */
        Py_ssize_t o = 0;
        for (Py_ssize_t i = 0; i < n;) {
            if (S(buf[i])) {
                while (i < n && S(buf[i])) i++;
                buf[o++] = ' ';
            } else buf[o++] = buf[i++];
        }
        Py_ssize_t a = 0, b = o;
        while (a < b && S(buf[a])) a++;
        while (b > a && S(buf[b - 1])) b--;
        if (a) memmove(buf, buf + a, (b - a) * sizeof(Py_UCS4));
        m = b - a;
    }
    Py_ssize_t cut = bullet_end(PyUnicode_4BYTE_KIND, buf, m);
    if (cut < 0) cut = 0;
    PyObject *u = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, buf + cut, m - cut);
    PyMem_Free(buf);
    if (!u) return NULL;
    PyObject *norm = PyUnicode_IS_ASCII(u) ? ascii_lower(u) : PyObject_CallMethod(u, "casefold", NULL);
    Py_DECREF(u);
    if (!norm) return NULL;
    PyObject *shape = digits ? mask_digits(NULL, norm) : (Py_INCREF(norm), norm);
    if (!shape) { Py_DECREF(norm); return NULL; }
    PyObject *out = PyTuple_Pack(2, norm, shape);
    Py_DECREF(norm);
    Py_DECREF(shape);
    return out;
}

/* scripts(s, table, resolve) -> {script: letters}, scripts in order of their first letter:
 * language.script_letters(s). table: an array('H') over all code points, 0 = not looked up
 * yet, 1 = no script, k + 2 = resolve's k-th script; resolve(code point) looks a character
 * up once, fills its table entry and returns the entry (pipeline/lineshape.py). */
static PyObject *scripts_dict(PyObject *s, PyObject *otable, PyObject *resolve, PyObject *names);

static PyObject *scripts(PyObject *self, PyObject *args)
{
    PyObject *s, *otable, *resolve, *names;
    if (!PyArg_ParseTuple(args, "UOOO!", &s, &otable, &resolve, &PyList_Type, &names)) return NULL;
    return scripts_dict(s, otable, resolve, names);
}

/* lineshape._ends_sentence's sets, handed over once by configure_basics. */
static Py_UCS4 ends_quotes[16], ends_closers[16], ends_marks[64];
static Py_ssize_t n_quotes = -1, n_closers = -1, n_marks = -1;

static int in_set(Py_UCS4 c, const Py_UCS4 *set, Py_ssize_t n)
{
    for (Py_ssize_t k = 0; k < n; k++) if (set[k] == c) return 1;
    return 0;
}

static Py_ssize_t take_set(PyObject *u, Py_UCS4 *out, Py_ssize_t cap)
{
    if (!PyUnicode_Check(u) || PyUnicode_READY(u) < 0 || PyUnicode_GET_LENGTH(u) > cap) {
        PyErr_SetString(PyExc_ValueError, "_shape.configure_basics: a str of at most a few characters is needed");
        return -1;
    }
    for (Py_ssize_t k = 0; k < PyUnicode_GET_LENGTH(u); k++) out[k] = PyUnicode_READ_CHAR(u, k);
    return PyUnicode_GET_LENGTH(u);
}

static PyObject *configure_basics(PyObject *self, PyObject *args)
{
    PyObject *q, *c, *m;
    if (!PyArg_ParseTuple(args, "UUU", &q, &c, &m)) return NULL;
    Py_ssize_t a = take_set(q, ends_quotes, 16), b = a < 0 ? -1 : take_set(c, ends_closers, 16),
               d = b < 0 ? -1 : take_set(m, ends_marks, 64);
    if (d < 0) { n_quotes = n_closers = n_marks = -1; return NULL; }
    n_quotes = a; n_closers = b; n_marks = d;
    Py_RETURN_NONE;
}

/* lineshape._ends_sentence(s): `$` also matches before a final newline; a closing quote
 * last ends a sentence; else the closers stripped, a sentence mark is last. */
static int ends_sentence(PyObject *s)
{
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    if (n > 0 && READ(n - 1) == '\n') n--;
    if (n == 0) return 0;
    if (in_set(READ(n - 1), ends_quotes, n_quotes)) return 1;
    while (n > 0 && in_set(READ(n - 1), ends_closers, n_closers)) n--;
    return n > 0 && in_set(READ(n - 1), ends_marks, n_marks);
}

/* line_basics(s, words, stop, table, resolve, names) -> (stopwords, ends_sentence, scripts):
 * lineshape.shape_line's count_stops(words, stop), _ends_sentence(s) and scripts_of(s) in
 * one call. */
static PyObject *line_basics(PyObject *self, PyObject *args)
{
    PyObject *s, *wordseq, *stop, *otable, *resolve, *names;
    if (!PyArg_ParseTuple(args, "UO!OOOO!", &s, &PyTuple_Type, &wordseq, &stop, &otable, &resolve,
                          &PyList_Type, &names)) return NULL;
    if (n_marks < 0) {
        PyErr_SetString(PyExc_RuntimeError, "_shape.line_basics: configure_basics was not called");
        return NULL;
    }
    if (!PyFrozenSet_CheckExact(stop) && !PySet_CheckExact(stop)) {
        PyErr_SetString(PyExc_TypeError, "_shape.line_basics: stop must be a set or frozenset");
        return NULL;
    }
    if (PyUnicode_READY(s) < 0) return NULL;
    Py_ssize_t nw = PyTuple_GET_SIZE(wordseq), count = 0;
    if (PySet_GET_SIZE(stop) > 0) {
        for (Py_ssize_t k = 0; k < nw; k++) {
            PyObject *w = PyTuple_GET_ITEM(wordseq, k);
            if (check_str(w) < 0) return NULL;
            int r = stop_has_folded(stop, w, 1);
            if (r < 0) return NULL;
            count += r;
        }
    }
    PyObject *found = scripts_dict(s, otable, resolve, names);
    if (!found) return NULL;
    return Py_BuildValue("(nON)", count, ends_sentence(s) ? Py_True : Py_False, found);
}

static PyObject *scripts_dict(PyObject *s, PyObject *otable, PyObject *resolve, PyObject *names)
{
    if (PyUnicode_READY(s) < 0) return NULL;
    Py_buffer tb;
    if (PyObject_GetBuffer(otable, &tb, PyBUF_C_CONTIGUOUS) < 0) return NULL;
    if (tb.len != 2 * 0x110000 || tb.itemsize != 2) {
        PyBuffer_Release(&tb);
        PyErr_SetString(PyExc_ValueError, "_shape.scripts: the table is not 0x110000 uint16");
        return NULL;
    }
    const uint16_t *table = (const uint16_t *)tb.buf;
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    Py_ssize_t n = PyUnicode_GET_LENGTH(s), nseen = 0, cap = 8;
    uint16_t *ids = PyMem_Malloc(cap * sizeof(uint16_t));
    Py_ssize_t *counts = PyMem_Malloc(cap * sizeof(Py_ssize_t));
    PyObject *out = NULL;
    if (!ids || !counts) { PyErr_NoMemory(); goto done; }
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = READ(i);
        uint16_t id = table[c];
        if (id == 0) {
            PyObject *r = PyObject_CallFunction(resolve, "k", (unsigned long)c);
            if (!r) goto done;
            long v = PyLong_AsLong(r);
            Py_DECREF(r);
            if (v == -1 && PyErr_Occurred()) goto done;
            if (v < 1 || v > 0xFFFF || table[c] != v) {
                PyErr_SetString(PyExc_ValueError, "_shape.scripts: resolve did not fill the table");
                goto done;
            }
            id = (uint16_t)v;
        }
        if (id == 1) continue;
        Py_ssize_t k;
        for (k = 0; k < nseen && ids[k] != id; k++);
        if (k == nseen) {
            if (nseen == cap) {
                cap *= 2;
                uint16_t *ni = PyMem_Realloc(ids, cap * sizeof(uint16_t));
                if (!ni) { PyErr_NoMemory(); goto done; }
                ids = ni;
                Py_ssize_t *nc = PyMem_Realloc(counts, cap * sizeof(Py_ssize_t));
                if (!nc) { PyErr_NoMemory(); goto done; }
                counts = nc;
            }
            ids[k] = id;
            counts[k] = 0;
            nseen++;
        }
        counts[k]++;
    }
    out = PyDict_New();
    if (!out) goto done;
    for (Py_ssize_t k = 0; k < nseen; k++) {
        PyObject *name = (ids[k] - 2 < PyList_GET_SIZE(names)) ? PyList_GET_ITEM(names, ids[k] - 2) : NULL;
        PyObject *v = name ? PyLong_FromSsize_t(counts[k]) : NULL;
        if (!v || PyDict_SetItem(out, name, v) < 0) {
            if (!name) PyErr_SetString(PyExc_ValueError, "_shape.scripts: a script id without a name");
            Py_XDECREF(v);
            Py_CLEAR(out);
            goto done;
        }
        Py_DECREF(v);
    }
done:
    PyMem_Free(ids);
    PyMem_Free(counts);
    PyBuffer_Release(&tb);
    return out;
}

/* ascii_forms(s, edge) -> (spaced, folded, low) of lexicon.LineForms for an ASCII line, None
 * for any other: spaced = " ".join(s.casefold().split()).lstrip(edge), folded =
 * spaced.rstrip(edge), low = s.lower() (lexicon._casefree of ASCII text). On ASCII text casefold is A-Z to a-z, and split's white space is
 * 0x09-0x0D, 0x1C-0x1F and the space (str.isspace); `edge`'s non-ASCII characters cannot
 * occur. */
static PyObject *ascii_forms(PyObject *self, PyObject *args)
{
    PyObject *s, *edge;
    if (!PyArg_ParseTuple(args, "UU", &s, &edge)) return NULL;
    if (!PyUnicode_IS_ASCII(s)) Py_RETURN_NONE;
    char strip[128] = {0};
    int ek = PyUnicode_KIND(edge);
    const void *ed = PyUnicode_DATA(edge);
    for (Py_ssize_t i = 0; i < PyUnicode_GET_LENGTH(edge); i++) {
        Py_UCS4 c = PyUnicode_READ(ek, ed, i);
        if (c < 128) strip[c] = 1;
    }
    const Py_UCS1 *a = PyUnicode_1BYTE_DATA(s);
    Py_ssize_t n = PyUnicode_GET_LENGTH(s), out = 0;
    Py_UCS1 small[256];
    Py_UCS1 *buf = n <= 256 ? small : PyMem_Malloc(n);
    if (!buf) return PyErr_NoMemory();
    int gap = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS1 c = a[i];
        if (c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F)) {
            gap = out > 0;
            continue;
        }
        if (gap) { buf[out++] = ' '; gap = 0; }
        buf[out++] = (c >= 'A' && c <= 'Z') ? (Py_UCS1)(c + 32) : c;
    }
    Py_ssize_t start = 0, end = out;
    while (start < end && strip[buf[start]]) start++;
    while (end > start && strip[buf[end - 1]]) end--;
    PyObject *spaced = PyUnicode_New(out - start, 127), *folded = NULL, *result = NULL;
    if (spaced) {
        memcpy(PyUnicode_1BYTE_DATA(spaced), buf + start, out - start);
        folded = PyUnicode_New(end - start, 127);
        if (folded) {
            memcpy(PyUnicode_1BYTE_DATA(folded), buf + start, end - start);
            PyObject *low = ascii_lower(s);
            if (low) {
                result = PyTuple_Pack(3, spaced, folded, low);
                Py_DECREF(low);
            }
        }
    }
    if (buf != small) PyMem_Free(buf);
    Py_XDECREF(spaced);
    Py_XDECREF(folded);
    return result;
}

/* blocks._signatures(masked): ("h" + signature(masked), "t" + tail_signature(masked)).
 * A line's skeleton is _SPACE.sub("", _LETTERS.sub("", x)) with _LETTERS =
 * [^\W\d]+(?:['’.-][^\W\d]+)*: a "letter" is \w and not \d; every letter lies in a match
 * (a match starts at any letter not taken yet and takes its whole run), and a connector
 * (' ’ . -) lies in one exactly when a letter is on both sides of it (the run before it goes
 * on through it only then). So the skeleton keeps the characters that are not letters, not
 * such connectors and not \s; the neighbours are read inside x only (x is a piece of the line). */
#define LETTER(c) (W(c) && !D(c))
#define CONNECTOR(c) ((c) == '\'' || (c) == 0x2019 || (c) == '.' || (c) == '-')

static Py_ssize_t skeleton(int kind, const void *data, Py_ssize_t start, Py_ssize_t end, Py_UCS4 *out)
{
    Py_ssize_t o = 0;
    for (Py_ssize_t i = start; i < end; i++) {
        Py_UCS4 c = READ(i);
        if (LETTER(c) || S(c)) continue;
        if (CONNECTOR(c) && i > start && i + 1 < end && LETTER(READ(i - 1)) && LETTER(READ(i + 1))) continue;
        out[o++] = c;
    }
    return o;
}

static PyObject *signatures(PyObject *self, PyObject *s)
{
    if (check_str(s) < 0) return NULL;
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    Py_ssize_t n = PyUnicode_GET_LENGTH(s), first = -1, last = -1;
    for (Py_ssize_t i = 0; i < n; i++)
        if (READ(i) == ' ') { if (first < 0) first = i; last = i; }
    Py_UCS4 small[512];
    Py_UCS4 *buf = n + 2 <= 512 ? small : PyMem_Malloc((n + 2) * sizeof(Py_UCS4));
    if (!buf) return PyErr_NoMemory();
    PyObject *head = NULL, *tail = NULL, *out = NULL;
    /* head: "h", the part before the first space (all of it if none), "|", the rest's skeleton */
    Py_ssize_t o = 0, cut = first < 0 ? n : first;
    buf[o++] = 'h';
    for (Py_ssize_t i = 0; i < cut; i++) buf[o++] = READ(i);
    buf[o++] = '|';
    if (first >= 0) o += skeleton(kind, data, first + 1, n, buf + o);
    head = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, buf, o);
    if (!head) goto done;
    /* tail: "t", the skeleton of the part before the last space (none if none), "|", the last part */
    o = 0;
    buf[o++] = 't';
    if (last >= 0) o += skeleton(kind, data, 0, last, buf + o);
    buf[o++] = '|';
    for (Py_ssize_t i = last + 1; i < n; i++) buf[o++] = READ(i);
    tail = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, buf, o);
    if (!tail) goto done;
    out = PyTuple_Pack(2, head, tail);
done:
    if (buf != small) PyMem_Free(buf);
    Py_XDECREF(head);
    Py_XDECREF(tail);
    return out;
}

/* Appends k to where[key] (a new list the first time). */
static int append_at(PyObject *where, PyObject *key, PyObject *k)
{
    PyObject *list = PyDict_GetItemWithError(where, key);
    if (!list) {
        if (PyErr_Occurred()) return -1;
        list = PyList_New(0);
        if (!list) return -1;
        int r = PyDict_SetItem(where, key, list);
        Py_DECREF(list);  /* the dict holds it */
        if (r < 0) return -1;
    }
    return PyList_Append(list, k);
}

/* record_where(masked, short) -> {signature: [line numbers]} of blocks.record_features:
 * for each line k whose short[k] is true, k appended under its head signature, then under
 * its tail signature (signatures(masked[k])). */
static PyObject *record_where(PyObject *self, PyObject *args)
{
    PyObject *masked, *shortl;
    if (!PyArg_ParseTuple(args, "O!O!", &PyList_Type, &masked, &PyList_Type, &shortl)) return NULL;
    Py_ssize_t n = PyList_GET_SIZE(masked);
    if (PyList_GET_SIZE(shortl) != n) {
        PyErr_SetString(PyExc_ValueError, "record_where: lists of different lengths");
        return NULL;
    }
    PyObject *where = PyDict_New();
    if (!where) return NULL;
    for (Py_ssize_t k = 0; k < n; k++) {
        int yes = PyObject_IsTrue(PyList_GET_ITEM(shortl, k));
        if (yes < 0) goto fail;
        if (!yes) continue;
        PyObject *pair = signatures(NULL, PyList_GET_ITEM(masked, k));
        if (!pair) goto fail;
        PyObject *kk = PyLong_FromSsize_t(k);
        int bad = !kk || append_at(where, PyTuple_GET_ITEM(pair, 0), kk) < 0 ||
                  append_at(where, PyTuple_GET_ITEM(pair, 1), kk) < 0;
        Py_XDECREF(kk);
        Py_DECREF(pair);
        if (bad) goto fail;
    }
    return where;
fail:
    Py_DECREF(where);
    return NULL;
}

/* The lexical cohesion's counts (blocks._overlap, blocks.cohesion_features): each line's
 * content words are a set or frozenset of str; a word's count is looked up in a dict. */

/* Adds 1 to counts[w] for each w of the set. */
static int count_words(PyObject *counts, PyObject *words)
{
    PyObject *it = PyObject_GetIter(words), *w;
    if (!it) return -1;
    while ((w = PyIter_Next(it))) {
        PyObject *was = PyDict_GetItemWithError(counts, w);
        long c = 0;
        if (was) c = PyLong_AsLong(was);
        else if (PyErr_Occurred()) { Py_DECREF(w); Py_DECREF(it); return -1; }
        PyObject *now = PyLong_FromLong(c + 1);
        int r = now ? PyDict_SetItem(counts, w, now) : -1;
        Py_XDECREF(now);
        Py_DECREF(w);
        if (r < 0) { Py_DECREF(it); return -1; }
    }
    Py_DECREF(it);
    return PyErr_Occurred() ? -1 : 0;
}

/* How many words of the set have a value in `table` that `keep(value, arg)` accepts. */
static Py_ssize_t count_in(PyObject *table, PyObject *words, long arg, int (*keep)(long, long))
{
    PyObject *it = PyObject_GetIter(words), *w;
    if (!it) return -1;
    Py_ssize_t got = 0;
    while ((w = PyIter_Next(it))) {
        PyObject *v = PyDict_GetItemWithError(table, w);
        Py_DECREF(w);
        if (v) {
            long x = PyLong_AsLong(v);
            if (x == -1 && PyErr_Occurred()) { Py_DECREF(it); return -1; }
            got += keep(x, arg);
        } else if (PyErr_Occurred()) { Py_DECREF(it); return -1; }
    }
    Py_DECREF(it);
    return PyErr_Occurred() ? -1 : got;
}
static int at_least(long count, long least) { return count >= least; }
static int other_run(long run, long own) { return run != own; }

/* overlap_hits(cw, members) -> [hits per line] of blocks._overlap: how many of the line's
 * words occur in the member lines' words, its own left out (for a member: the words of at
 * least two members; for any other line: of at least one). */
static PyObject *overlap_hits(PyObject *self, PyObject *args)
{
    PyObject *cw, *members;
    if (!PyArg_ParseTuple(args, "O!O!", &PyList_Type, &cw, &PyList_Type, &members)) return NULL;
    Py_ssize_t n = PyList_GET_SIZE(cw), m = PyList_GET_SIZE(members);
    char *own = PyMem_Calloc(n ? n : 1, 1);
    PyObject *counts = PyDict_New(), *out = NULL;
    if (!own || !counts) { PyErr_NoMemory(); goto done; }
    for (Py_ssize_t j = 0; j < m; j++) {
        Py_ssize_t k = PyLong_AsSsize_t(PyList_GET_ITEM(members, j));
        if (k < 0 || k >= n) {
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_IndexError, "overlap_hits: a member out of range");
            goto done;
        }
        if (own[k]) continue;  /* a member given twice counts once, as set(members) in Python */
        own[k] = 1;
        if (count_words(counts, PyList_GET_ITEM(cw, k)) < 0) goto done;
    }
    out = PyList_New(n);
    if (!out) goto done;
    for (Py_ssize_t k = 0; k < n; k++) {
        Py_ssize_t h = count_in(counts, PyList_GET_ITEM(cw, k), own[k] ? 2 : 1, at_least);
        PyObject *v = h < 0 ? NULL : PyLong_FromSsize_t(h);
        if (!v) { Py_CLEAR(out); goto done; }
        PyList_SET_ITEM(out, k, v);
    }
done:
    PyMem_Free(own);
    Py_XDECREF(counts);
    return out;
}

/* run_hits(cw, runs, long_enough) -> [hits per line] of blocks.cohesion_features' page
 * overlap: how many of the line's words occur in the long-enough lines of a run other than
 * its own (a word's run, or -1 for a word of two runs or more). */
static PyObject *run_hits(PyObject *self, PyObject *args)
{
    PyObject *cw, *runs, *long_enough;
    if (!PyArg_ParseTuple(args, "O!O!O!", &PyList_Type, &cw, &PyList_Type, &runs, &PyList_Type, &long_enough))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(cw);
    if (PyList_GET_SIZE(runs) != n || PyList_GET_SIZE(long_enough) != n) {
        PyErr_SetString(PyExc_ValueError, "run_hits: lists of different lengths");
        return NULL;
    }
    PyObject *run_of = PyDict_New(), *out = NULL, *several = PyLong_FromLong(-1);
    if (!run_of || !several) goto done;
    for (Py_ssize_t k = 0; k < n; k++) {
        int yes = PyObject_IsTrue(PyList_GET_ITEM(long_enough, k));
        if (yes < 0) goto done;
        if (!yes) continue;
        PyObject *r = PyList_GET_ITEM(runs, k);
        long rv = PyLong_AsLong(r);
        if (rv == -1 && PyErr_Occurred()) goto done;
        if (rv < 0) { PyErr_SetString(PyExc_ValueError, "run_hits: a negative run id"); goto done; }
        PyObject *it = PyObject_GetIter(PyList_GET_ITEM(cw, k)), *w;
        if (!it) goto done;
        while ((w = PyIter_Next(it))) {
            PyObject *was = PyDict_GetItemWithError(run_of, w);
            int bad = 0;
            if (!was) bad = PyErr_Occurred() ? 1 : PyDict_SetItem(run_of, w, r) < 0;
            else {
                long v = PyLong_AsLong(was);
                if (v == -1 && PyErr_Occurred()) bad = 1;
                else if (v != rv && v != -1) bad = PyDict_SetItem(run_of, w, several) < 0;
            }
            Py_DECREF(w);
            if (bad) { Py_DECREF(it); goto done; }
        }
        Py_DECREF(it);
        if (PyErr_Occurred()) goto done;
    }
    out = PyList_New(n);
    if (!out) goto done;
    for (Py_ssize_t k = 0; k < n; k++) {
        long rv = PyLong_AsLong(PyList_GET_ITEM(runs, k));
        Py_ssize_t h = (rv == -1 && PyErr_Occurred()) ? -1 : count_in(run_of, PyList_GET_ITEM(cw, k), rv, other_run);
        PyObject *v = h < 0 ? NULL : PyLong_FromSsize_t(h);
        if (!v) { Py_CLEAR(out); goto done; }
        PyList_SET_ITEM(out, k, v);
    }
done:
    Py_XDECREF(run_of);
    Py_XDECREF(several);
    return out;
}

/* cohesion_hits(cw, core, lead, runs, long_enough) -> (core hits, lead hits, page hits):
 * overlap_hits(cw, core), overlap_hits(cw, lead) and run_hits(cw, runs, long_enough) in one
 * pass. The three read the same sets of words: here each word of the page gets one record
 * (its count in the core lines, in the lead lines, and its run: -2 none, -1 several), found
 * through one dict, so a line's words are read and looked up once, not three times. The
 * same integer counts (tests/test_speed_round21_classifier.py). */
typedef struct {
    Py_ssize_t core, lead;
    long run;
} WordRec;

typedef struct {
    PyObject *vocab;   /* word -> its record's index */
    WordRec *recs;
    Py_ssize_t n_recs, cap;
    int which;         /* adding: 0 core, 1 lead, 2 run */
    long run;          /* adding a run's line: its run; counting: the line's own run */
    Py_ssize_t need_core, need_lead, hits[3];
} Cohesion;

/* Calls f(w, c) for each word of a line's words (a set or frozenset, or any iterable). */
static int each_word(PyObject *words, int (*f)(PyObject *, Cohesion *), Cohesion *c)
{
    if (PyAnySet_Check(words)) {
        Py_ssize_t pos = 0;
        PyObject *w;
        Py_hash_t h;
        while (_PySet_NextEntry(words, &pos, &w, &h)) {
            Py_INCREF(w);  /* borrowed from the set: held while the dict compares it */
            int r = f(w, c);
            Py_DECREF(w);
            if (r < 0) return -1;
        }
        return 0;
    }
    PyObject *it = PyObject_GetIter(words), *w;
    if (!it) return -1;
    while ((w = PyIter_Next(it))) {
        int r = f(w, c);
        Py_DECREF(w);
        if (r < 0) { Py_DECREF(it); return -1; }
    }
    Py_DECREF(it);
    return PyErr_Occurred() ? -1 : 0;
}

static int add_word(PyObject *w, Cohesion *c)
{
    PyObject *at = PyDict_GetItemWithError(c->vocab, w);
    Py_ssize_t k;
    if (at) {
        k = PyLong_AsSsize_t(at);
        if (k < 0 || k >= c->n_recs) {
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_SystemError, "cohesion_hits: a bad word index");
            return -1;
        }
    } else {
        if (PyErr_Occurred()) return -1;
        if (c->n_recs == c->cap) {
            Py_ssize_t cap = c->cap ? 2 * c->cap : 256;
            WordRec *more = PyMem_Realloc(c->recs, sizeof(WordRec) * cap);
            if (!more) { PyErr_NoMemory(); return -1; }
            c->recs = more;
            c->cap = cap;
        }
        k = c->n_recs;
        PyObject *index = PyLong_FromSsize_t(k);
        int bad = !index || PyDict_SetItem(c->vocab, w, index) < 0;
        Py_XDECREF(index);
        if (bad) return -1;
        c->recs[k].core = c->recs[k].lead = 0;
        c->recs[k].run = -2;
        c->n_recs++;
    }
    WordRec *rec = &c->recs[k];
    if (c->which == 0) rec->core++;
    else if (c->which == 1) rec->lead++;
    else if (rec->run == -2) rec->run = c->run;
    else if (rec->run != c->run && rec->run != -1) rec->run = -1;
    return 0;
}

static int count_word(PyObject *w, Cohesion *c)
{
    PyObject *at = PyDict_GetItemWithError(c->vocab, w);
    if (!at) return PyErr_Occurred() ? -1 : 0;
    Py_ssize_t k = PyLong_AsSsize_t(at);
    if (k < 0 || k >= c->n_recs) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_SystemError, "cohesion_hits: a bad word index");
        return -1;
    }
    const WordRec *rec = &c->recs[k];
    c->hits[0] += rec->core >= c->need_core;
    c->hits[1] += rec->lead >= c->need_lead;
    c->hits[2] += rec->run != -2 && rec->run != c->run;
    return 0;
}

/* The members' words added once a member (a member given twice counts once, as
 * overlap_hits' set(members)); own[k] marks the members. */
static int add_members(Cohesion *c, PyObject *cw, PyObject *members, char *own, int which)
{
    Py_ssize_t n = PyList_GET_SIZE(cw);
    c->which = which;
    for (Py_ssize_t j = 0; j < PyList_GET_SIZE(members); j++) {
        Py_ssize_t k = PyLong_AsSsize_t(PyList_GET_ITEM(members, j));
        if (k < 0 || k >= n) {
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_IndexError, "cohesion_hits: a member out of range");
            return -1;
        }
        if (own[k]) continue;
        own[k] = 1;
        if (each_word(PyList_GET_ITEM(cw, k), add_word, c) < 0) return -1;
    }
    return 0;
}

static PyObject *cohesion_hits(PyObject *self, PyObject *args)
{
    PyObject *cw, *core, *lead, *runs, *long_enough;
    if (!PyArg_ParseTuple(args, "O!O!O!O!O!", &PyList_Type, &cw, &PyList_Type, &core, &PyList_Type, &lead,
                          &PyList_Type, &runs, &PyList_Type, &long_enough))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(cw);
    if (PyList_GET_SIZE(runs) != n || PyList_GET_SIZE(long_enough) != n) {
        PyErr_SetString(PyExc_ValueError, "cohesion_hits: lists of different lengths");
        return NULL;
    }
    Cohesion c = {0};
    PyObject *out[3] = {NULL, NULL, NULL}, *result = NULL;
    char *own = PyMem_Calloc(2 * (n ? n : 1), 1);  /* [0, n): core members, [n, 2n): lead members */
    c.vocab = PyDict_New();
    if (!own || !c.vocab) { if (!own) PyErr_NoMemory(); goto done; }
    char *own_core = own, *own_lead = own + n;
    if (add_members(&c, cw, core, own_core, 0) < 0 || add_members(&c, cw, lead, own_lead, 1) < 0) goto done;
    c.which = 2;
    for (Py_ssize_t k = 0; k < n; k++) {
        int yes = PyObject_IsTrue(PyList_GET_ITEM(long_enough, k));
        if (yes < 0) goto done;
        if (!yes) continue;
        c.run = PyLong_AsLong(PyList_GET_ITEM(runs, k));
        if (c.run == -1 && PyErr_Occurred()) goto done;
        if (c.run < 0) { PyErr_SetString(PyExc_ValueError, "cohesion_hits: a negative run id"); goto done; }
        if (each_word(PyList_GET_ITEM(cw, k), add_word, &c) < 0) goto done;
    }
    for (int i = 0; i < 3; i++)
        if (!(out[i] = PyList_New(n))) goto done;
    for (Py_ssize_t k = 0; k < n; k++) {
        c.run = PyLong_AsLong(PyList_GET_ITEM(runs, k));
        if (c.run == -1 && PyErr_Occurred()) goto done;
        c.need_core = own_core[k] ? 2 : 1;
        c.need_lead = own_lead[k] ? 2 : 1;
        c.hits[0] = c.hits[1] = c.hits[2] = 0;
        if (each_word(PyList_GET_ITEM(cw, k), count_word, &c) < 0) goto done;
        for (int i = 0; i < 3; i++) {
            PyObject *v = PyLong_FromSsize_t(c.hits[i]);
            if (!v) goto done;
            PyList_SET_ITEM(out[i], k, v);
        }
    }
    result = PyTuple_Pack(3, out[0], out[1], out[2]);
done:
    for (int i = 0; i < 3; i++) Py_XDECREF(out[i]);
    Py_XDECREF(c.vocab);
    PyMem_Free(c.recs);
    PyMem_Free(own);
    return result;
}

/* shape.line_shape's row in one call. configure_row(trail, end_punct, dateish_match,
 * urlish_search, urlish_dot_search, has_email, nan) hands over shape.py's _TRAIL, _END_PUNCT (a
 * str of one-character ends), _DATEISH.match, _URLISH.search, _URLISH_DOT.search,
 * _has_email and NAN once; line_row(s, words, stop, counts) then gives line_shape(s, words, stop,
 * counts): the same values of the same types (Python's true division of two ints is the
 * correctly rounded quotient, as C's of two exact doubles; math.log1p is libm's log1p), or
 * None for a line of mostly CJK characters (its function characters: the Python). */
static PyObject *row_trail, *row_ends, *row_dateish, *row_urlish, *row_urlish_dot, *row_email;
static double row_nan;  /* shape.NAN's bits (a NaN made in C may carry another sign) */

static PyObject *configure_row(PyObject *self, PyObject *args)
{
    PyObject *trail, *ends, *dateish, *urlish, *urlish_dot, *email;
    double nan;
    if (!PyArg_ParseTuple(args, "UUOOOOd", &trail, &ends, &dateish, &urlish, &urlish_dot, &email, &nan)) return NULL;
    row_nan = nan;
    PyObject **slots[] = {&row_trail, &row_ends, &row_dateish, &row_urlish, &row_urlish_dot, &row_email};
    PyObject *values[] = {trail, ends, dateish, urlish, urlish_dot, email};
    for (int i = 0; i < 6; i++) {
        Py_INCREF(values[i]);
        Py_XSETREF(*slots[i], values[i]);
    }
    Py_RETURN_NONE;
}

static int str_has(PyObject *set, Py_UCS4 c)  /* c is one of the str's characters */
{
    int kind = PyUnicode_KIND(set);
    const void *data = PyUnicode_DATA(set);
    for (Py_ssize_t i = 0; i < PyUnicode_GET_LENGTH(set); i++)
        if (READ(i) == c) return 1;
    return 0;
}

/* A call's truth: 1, 0, or -1 with an exception. */
static int called_true(PyObject *f, PyObject *s)
{
    PyObject *r = PyObject_CallOneArg(f, s);
    if (!r) return -1;
    int t = PyObject_IsTrue(r);
    Py_DECREF(r);
    return t;
}

static PyObject *line_row(PyObject *self, PyObject *args)
{
    PyObject *s, *wordseq, *stop, *counts;
    if (!PyArg_ParseTuple(args, "UOOO!", &s, &wordseq, &stop, &PyList_Type, &counts)) return NULL;
    if (!row_trail) { PyErr_SetString(PyExc_RuntimeError, "_shape.line_row: configure_row first"); return NULL; }
    if (PyList_GET_SIZE(counts) != 10) { PyErr_SetString(PyExc_ValueError, "_shape.line_row: 10 counts"); return NULL; }
    Py_ssize_t c[10];
    for (int i = 0; i < 10; i++) {
        c[i] = PyLong_AsSsize_t(PyList_GET_ITEM(counts, i));
        if (c[i] == -1 && PyErr_Occurred()) return NULL;
    }
    Py_ssize_t n_letters = c[0], n_upper = c[1], digits = c[2], n_space = c[3], n_cjk = c[4], n_decimal = c[5],
               n_sepc = c[7], n_sentc = c[9];
    if (PyUnicode_READY(s) < 0) return NULL;
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    if ((double)n_cjk > (double)n * 0.3) Py_RETURN_NONE;
    Py_ssize_t p[8];
    if (parts_of(s, wordseq, stop, n_cjk != 0, n_sentc != 0, n_sepc != 0, p) < 0) return NULL;
    Py_ssize_t n_latin = p[0], latin_chars = p[1], n_stop = p[2], n_alpha_first = p[3], n_title = p[4];
    double cjk_ratio = (double)n_cjk / (double)(n > 1 ? n : 1);
    double n_words = (double)n_latin + (double)n_cjk / 2.0;
    double stop_density = (PySet_GET_SIZE(stop) > 0 && n_latin) ? (double)n_stop / (double)n_latin : row_nan;
    Py_ssize_t e = n;  /* s.rstrip(_TRAIL) */
    while (e > 0 && str_has(row_trail, READ(e - 1))) e--;
    Py_UCS4 end = e > 0 ? READ(e - 1) : 0;
    Py_ssize_t nonspace = n - n_space ? n - n_space : 1;
    double title = n_alpha_first ? (double)n_title / (double)n_alpha_first : row_nan;
    double upper = n_letters ? (double)n_upper / (double)n_letters : 0.0;
    int at = 0, scheme = 0, dot = 0, dot_word = 0, copyright = 0;
    Py_ssize_t commas = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 ch = READ(i), next = i + 1 < n ? READ(i + 1) : 0;
        if (ch == '@') at = 1;
        else if (ch == ':' && next == '/' && i + 2 < n && READ(i + 2) == '/') scheme = 1;
        else if (ch == '.') {
            dot = 1;
            if (next == 'c' || next == 'o' || next == 'n' || next == 'C' || next == 'O' || next == 'N') dot_word = 1;
        } else if ((ch == 'w' || ch == 'W') && next == '.') dot_word = 1;
        else if (ch == ',') commas++;
        else if (ch == 0xA9 || (ch == '(' && (next == 'c' || next == 'C') && i + 2 < n && READ(i + 2) == ')'))
            copyright = 1;
    }
    int urlish;
    if (at || scheme) {
        urlish = called_true(row_urlish, s);
        if (urlish == 0) urlish = called_true(row_email, s);
    } else urlish = dot && dot_word ? called_true(row_urlish_dot, s) : 0;
    if (urlish < 0) return NULL;
    double end_punct = (e > 0 && str_has(row_ends, end)) ? 1.0 : 0.0;
    double good = (n_words >= 10 && (stop_density != stop_density || stop_density >= 0.2) &&
                   (end_punct != 0.0 || n_words >= 25)) ? 1.0 : 0.0;
    Py_ssize_t dateish = 0;
    if (n_decimal && (dateish = dateish_count(s, row_dateish)) < 0) return NULL;
    double first_lower = (n > 0 && Py_UNICODE_ISLOWER(READ(0))) ? 1.0 : 0.0;
    return Py_BuildValue("[dddd" "n" "dd" "n" "dddd" "d" "n" "dd" "n" "ddddd]",
        log1p((double)n), n_words, log1p(n_words), stop_density,
        n_stop,
        end_punct, (e > 0 && end == ':') ? 1.0 : 0.0,
        p[5],
        (double)commas / (n_words > 1.0 ? n_words : 1.0), title, upper, (double)digits / (double)nonspace,
        (double)n_letters / (double)nonspace,
        p[6],
        urlish ? 1.0 : 0.0, p[7] ? 1.0 : 0.0,
        dateish,
        cjk_ratio, n_latin ? (double)latin_chars / (double)n_latin : row_nan, first_lower, copyright ? 1.0 : 0.0,
        good);
}

/* language._word_rows for a word with no position skipped (no upper-case letter after
 * its first): the rows of the 1-, 2- and 3-grams of `padded` (" " + word + " ") that end
 * at each position from 1 to the closing space's, then the closing space's 2- and 3-gram,
 * each looked up in `row_of` (language._ROW_OF); a gram not there but in `known`
 * (langdetect's profile map) gets its row from `added(gram, known)`; one in neither is
 * left out. The rows as native int32 bytes: array("i", rows).tobytes(). */
static PyObject *word_rows(PyObject *self, PyObject *args)
{
    PyObject *padded, *row_of, *known, *added;
    if (!PyArg_ParseTuple(args, "UO!O!O", &padded, &PyDict_Type, &row_of, &PyDict_Type, &known, &added))
        return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(padded), end = n - 1, count = 0;
    if (n < 3)
        return PyBytes_FromStringAndSize("", 0);
    int32_t *rows = PyMem_Malloc(sizeof(int32_t) * (3 * n + 2));
    if (rows == NULL)
        return PyErr_NoMemory();
    for (Py_ssize_t g = 0;; g++) {
        /* the g-th gram in _word_rows' order: (start, stop) */
        Py_ssize_t start, stop;
        Py_ssize_t position_grams = 3 * (end - 1) - 1; /* position 1 has two, the others three */
        if (g < 2) {
            start = g == 0 ? 1 : 0;
            stop = 2;
        } else if (g < position_grams) {
            Py_ssize_t i = 2 + (g - 2) / 3, k = (g - 2) % 3;
            start = i - k;
            stop = i + 1;
        } else if (g == position_grams) {
            start = end - 1;
            stop = n;
        } else if (g == position_grams + 1) {
            start = end - 2;
            stop = n;
        } else {
            break;
        }
        PyObject *gram = PyUnicode_Substring(padded, start, stop);
        if (gram == NULL)
            goto fail;
        PyObject *row = PyDict_GetItemWithError(row_of, gram); /* borrowed */
        if (row == NULL) {
            if (PyErr_Occurred()) {
                Py_DECREF(gram);
                goto fail;
            }
            int in_known = PyDict_Contains(known, gram);
            if (in_known < 0) {
                Py_DECREF(gram);
                goto fail;
            }
            if (in_known) {
                PyObject *made = PyObject_CallFunctionObjArgs(added, gram, known, NULL);
                Py_DECREF(gram);
                if (made == NULL)
                    goto fail;
                long value = PyLong_AsLong(made);
                Py_DECREF(made);
                if (value == -1 && PyErr_Occurred())
                    goto fail;
                rows[count++] = (int32_t)value;
            } else {
                Py_DECREF(gram);
            }
            continue;
        }
        Py_DECREF(gram);
        long value = PyLong_AsLong(row);
        if (value == -1 && PyErr_Occurred())
            goto fail;
        rows[count++] = (int32_t)value;
    }
    PyObject *out = PyBytes_FromStringAndSize((const char *)rows, count * (Py_ssize_t)sizeof(int32_t));
    PyMem_Free(rows);
    return out;
fail:
    PyMem_Free(rows);
    return NULL;
}

/* ngrams(words, size): set(map(" ".join, zip(*[words[i:] for i in range(size)]))) for a
 * list or tuple of str: each run of `size` words in a row joined by single spaces (none
 * when fewer words, or size < 1), as one set. Each string is made at its length and in
 * its canonical kind (the widest of its words': a str's kind is that of its widest
 * character, so the joined string's is its widest word's), as str.join makes it. */
static PyObject *ngrams(PyObject *self, PyObject *args)
{
    PyObject *seq;
    Py_ssize_t size;
    if (!PyArg_ParseTuple(args, "On", &seq, &size)) return NULL;
    if (!PyList_Check(seq) && !PyTuple_Check(seq)) {
        PyErr_SetString(PyExc_TypeError, "ngrams: a list or tuple of str is needed");
        return NULL;
    }
    PyObject *out = PySet_New(NULL);
    if (!out) return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    for (Py_ssize_t i = 0; i < n; i++)
        if (check_str(items[i]) < 0) { Py_DECREF(out); return NULL; }
    for (Py_ssize_t i = 0; size >= 1 && i + size <= n; i++) {
        Py_ssize_t length = size - 1;
        Py_UCS4 widest = 127;
        for (Py_ssize_t j = i; j < i + size; j++) {
            PyObject *w = items[j];
            length += PyUnicode_GET_LENGTH(w);
            if (!PyUnicode_IS_ASCII(w)) {
                Py_UCS4 top = PyUnicode_KIND(w) == PyUnicode_1BYTE_KIND ? 255 :
                              PyUnicode_KIND(w) == PyUnicode_2BYTE_KIND ? 65535 : 0x10FFFF;
                if (top > widest) widest = top;
            }
        }
        PyObject *gram = PyUnicode_New(length, widest);
        if (!gram) { Py_DECREF(out); return NULL; }
        Py_ssize_t at = 0;
        for (Py_ssize_t j = i; j < i + size; j++) {
            PyObject *w = items[j];
            Py_ssize_t len = PyUnicode_GET_LENGTH(w);
            if (j > i) PyUnicode_WRITE(PyUnicode_KIND(gram), PyUnicode_DATA(gram), at++, ' ');
            if (widest == 127)
                memcpy(PyUnicode_1BYTE_DATA(gram) + at, PyUnicode_1BYTE_DATA(w), len);
            else if (PyUnicode_CopyCharacters(gram, at, w, 0, len) < 0) {
                Py_DECREF(gram);
                Py_DECREF(out);
                return NULL;
            }
            at += len;
        }
        int added = PySet_Add(out, gram);
        Py_DECREF(gram);
        if (added < 0) { Py_DECREF(out); return NULL; }
    }
    return out;
}

/* LiteralFinder(masks): a callable telling, for a text, the OR of the masks of the literals
 * it holds: lexicon._Finder's answer (pyahocorasick's every occurrence, overlapping ones
 * too, the masks of the literals found or-ed, with the mask of "" always in), from one
 * pass of a deterministic Aho-Corasick automaton over the text's code points.
 * `masks`: {literal: mask}, each mask an int of 0 to 2**64 - 1 (else OverflowError or
 * ValueError, and the caller keeps pyahocorasick). The automaton's states are the
 * literals' prefixes; its table has a column for each code point some literal holds and
 * one for all others (no literal holds them: from any state they lead back to the start).
 * A state's mask is the OR of the masks of the literals that end its prefix (its own and
 * those of its longest proper suffix that is a state), so the answer is the OR of the
 * masks of the states the text passes through. Bounded: a table of more than
 * LITERAL_CELLS cells is refused (ValueError), as is a literal that is not a str. */
#define LITERAL_CELLS (1 << 22)

typedef struct {
    PyObject_HEAD
    PyObject *masks;     /* the dict it was made from (read only: `masks`) */
    Py_ssize_t width;    /* columns: the literals' distinct code points, and 0 for all others */
    int32_t *delta;      /* state * width + column -> state */
    uint64_t *out;       /* state -> mask */
    uint64_t always;     /* the mask of "" */
    Py_UCS4 *alpha;      /* the literals' code points, sorted: column = index + 1 */
    Py_ssize_t nalpha;
    int32_t low[256];    /* the column of each code point under 256 */
} LiteralFinder;

static int32_t literal_column(LiteralFinder *f, Py_UCS4 c)
{
    if (c < 256) return f->low[c];
    Py_ssize_t lo = 0, hi = f->nalpha;
    while (lo < hi) {
        Py_ssize_t mid = (lo + hi) / 2;
        if (f->alpha[mid] < c) lo = mid + 1; else hi = mid;
    }
    return (lo < f->nalpha && f->alpha[lo] == c) ? (int32_t)(lo + 1) : 0;
}

static int cmp_ucs4(const void *a, const void *b)
{
    Py_UCS4 x = *(const Py_UCS4 *)a, y = *(const Py_UCS4 *)b;
    return x < y ? -1 : x > y;
}

static void literal_finder_dealloc(LiteralFinder *f)
{
    PyMem_Free(f->delta);
    PyMem_Free(f->out);
    PyMem_Free(f->alpha);
    Py_XDECREF(f->masks);
    Py_TYPE(f)->tp_free((PyObject *)f);
}

static PyObject *literal_finder_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *masks;
    if (kwds && PyDict_GET_SIZE(kwds)) {
        PyErr_SetString(PyExc_TypeError, "LiteralFinder takes no keyword arguments");
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "O!", &PyDict_Type, &masks)) return NULL;
    LiteralFinder *f = (LiteralFinder *)type->tp_alloc(type, 0);
    if (!f) return NULL;
    Py_INCREF(masks);
    f->masks = masks;
    int32_t *fail = NULL, *queue = NULL;
    Py_ssize_t total = 0, pos = 0;
    PyObject *key, *value;
    while (PyDict_Next(masks, &pos, &key, &value)) {  /* the literals' length, for the tables' size */
        if (!PyUnicode_Check(key) || PyUnicode_READY(key) < 0) {
            PyErr_SetString(PyExc_ValueError, "LiteralFinder: a literal must be a str");
            goto fail;
        }
        total += PyUnicode_GET_LENGTH(key);
    }
    f->alpha = PyMem_Malloc((total + 1) * sizeof(Py_UCS4));
    if (!f->alpha) { PyErr_NoMemory(); goto fail; }
    pos = 0;
    while (PyDict_Next(masks, &pos, &key, &value)) {
        int kind = PyUnicode_KIND(key);
        const void *data = PyUnicode_DATA(key);
        for (Py_ssize_t i = 0; i < PyUnicode_GET_LENGTH(key); i++) f->alpha[f->nalpha++] = READ(i);
    }
    qsort(f->alpha, f->nalpha, sizeof(Py_UCS4), cmp_ucs4);
    Py_ssize_t unique = 0;
    for (Py_ssize_t i = 0; i < f->nalpha; i++)
        if (unique == 0 || f->alpha[unique - 1] != f->alpha[i]) f->alpha[unique++] = f->alpha[i];
    f->nalpha = unique;
    f->width = unique + 1;
    for (int c = 0; c < 256; c++) f->low[c] = 0;
    for (Py_ssize_t i = 0; i < unique && f->alpha[i] < 256; i++) f->low[f->alpha[i]] = (int32_t)(i + 1);
    Py_ssize_t states = total + 1;
    if (states > LITERAL_CELLS / f->width) {
        PyErr_SetString(PyExc_ValueError, "LiteralFinder: too many literals for its table");
        goto fail;
    }
    f->delta = PyMem_Malloc(states * f->width * sizeof(int32_t));
    f->out = PyMem_Calloc(states, sizeof(uint64_t));
    fail = PyMem_Malloc(states * sizeof(int32_t));
    queue = PyMem_Malloc(states * sizeof(int32_t));
    if (!f->delta || !f->out || !fail || !queue) { PyErr_NoMemory(); goto fail; }
    for (Py_ssize_t i = 0; i < states * f->width; i++) f->delta[i] = -1;
    int32_t used = 1;  /* the trie of the literals: state 0 is the empty prefix */
    pos = 0;
    while (PyDict_Next(masks, &pos, &key, &value)) {
        unsigned long long mask = PyLong_AsUnsignedLongLong(value);
        if (mask == (unsigned long long)-1 && PyErr_Occurred()) goto fail;
        int kind = PyUnicode_KIND(key);
        const void *data = PyUnicode_DATA(key);
        Py_ssize_t n = PyUnicode_GET_LENGTH(key);
        if (n == 0) { f->always |= mask; continue; }
        int32_t s = 0;
        for (Py_ssize_t i = 0; i < n; i++) {
            int32_t *next = &f->delta[s * f->width + literal_column(f, READ(i))];
            if (*next < 0) *next = used++;
            s = *next;
        }
        f->out[s] |= mask;
    }
    /* breadth first: each state's missing moves are its fallback's (a shorter prefix, done
     * before it), and its mask takes its fallback's */
    Py_ssize_t head = 0, tail = 0;
    for (Py_ssize_t c = 0; c < f->width; c++) {
        int32_t u = f->delta[c];
        if (u < 0) f->delta[c] = 0;
        else { fail[u] = 0; queue[tail++] = u; }
    }
    while (head < tail) {
        int32_t v = queue[head++];
        f->out[v] |= f->out[fail[v]];
        for (Py_ssize_t c = 0; c < f->width; c++) {
            int32_t u = f->delta[v * f->width + c], w = f->delta[fail[v] * f->width + c];
            if (u < 0) f->delta[v * f->width + c] = w;
            else { fail[u] = w; queue[tail++] = u; }
        }
    }
    PyMem_Free(fail);
    PyMem_Free(queue);
    return (PyObject *)f;
fail:
    PyMem_Free(fail);
    PyMem_Free(queue);
    Py_DECREF(f);
    return NULL;
}

static uint64_t literal_scan(LiteralFinder *f, PyObject *text)
{
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), width = f->width;
    const int32_t *delta = f->delta;
    const uint64_t *out = f->out;
    uint64_t acc = f->always;
    int32_t s = 0;
    if (kind == PyUnicode_1BYTE_KIND) {
        const Py_UCS1 *a = data;
        for (Py_ssize_t i = 0; i < n; i++) {
            s = delta[s * width + f->low[a[i]]];
            acc |= out[s];
        }
    } else {
        for (Py_ssize_t i = 0; i < n; i++) {
            s = delta[s * width + literal_column(f, READ(i))];
            acc |= out[s];
        }
    }
    return acc;
}

static PyObject *literal_finder_call(LiteralFinder *f, PyObject *args, PyObject *kwds)
{
    PyObject *text;
    if (kwds && PyDict_GET_SIZE(kwds)) {
        PyErr_SetString(PyExc_TypeError, "LiteralFinder takes no keyword arguments");
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "U", &text)) return NULL;
    return PyLong_FromUnsignedLongLong(literal_scan(f, text));
}

static PyObject *literal_finder_reduce(LiteralFinder *f, PyObject *unused)
{
    return Py_BuildValue("(O(O))", (PyObject *)Py_TYPE(f), f->masks);  /* pickled as made */
}

static PyMethodDef literal_finder_methods[] = {
    {"__reduce__", (PyCFunction)literal_finder_reduce, METH_NOARGS, "made again from its masks"},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef literal_finder_members[] = {
    {"masks", T_OBJECT, offsetof(LiteralFinder, masks), READONLY, "{literal: mask}, as given"},
    {NULL, 0, 0, 0, NULL},
};

static PyTypeObject LiteralFinderType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "pipeline._shape.LiteralFinder",
    .tp_basicsize = sizeof(LiteralFinder),
    .tp_dealloc = (destructor)literal_finder_dealloc,
    .tp_call = (ternaryfunc)literal_finder_call,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "LiteralFinder({literal: mask})(text): the OR of the masks of the literals the text holds",
    .tp_new = literal_finder_new,
    .tp_members = literal_finder_members,
    .tp_methods = literal_finder_methods,
};

/* LiteralCandidates(ascii, folded, raw, ascii_always, other_always, digit_bits)(line, low):
 * lexicon._Literals.candidates(line, low) for a _Literals whose finders are LiteralFinders
 * (None for one without literals, _no_literals: 0): for an ASCII line (str.isascii)
 * ascii_always | ascii(low), for any other other_always | folded(low) | raw(line); then the
 * digit_bits dropped when the line holds no character re's \d matches (_HAS_DIGIT: \d is
 * Py_UNICODE_ISDECIMAL, the D bit of the table above). Each of the three masks 0 to 2**64 - 1. */
typedef struct {
    PyObject_HEAD
    PyObject *finders[3];  /* ascii, folded, raw: a LiteralFinder or NULL */
    uint64_t ascii_always, other_always, digit_bits;
} LiteralCandidates;


static void literal_candidates_dealloc(LiteralCandidates *c)
{
    for (int k = 0; k < 3; k++) Py_XDECREF(c->finders[k]);
    Py_TYPE(c)->tp_free((PyObject *)c);
}

static PyObject *literal_candidates_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *finders[3], *masks[3];
    if (kwds && PyDict_GET_SIZE(kwds)) {
        PyErr_SetString(PyExc_TypeError, "LiteralCandidates takes no keyword arguments");
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "OOOOOO", &finders[0], &finders[1], &finders[2], &masks[0], &masks[1], &masks[2]))
        return NULL;
    uint64_t values[3];
    for (int k = 0; k < 3; k++) {
        if (finders[k] != Py_None && !PyObject_TypeCheck(finders[k], &LiteralFinderType)) {
            PyErr_SetString(PyExc_TypeError, "LiteralCandidates: a LiteralFinder or None is needed");
            return NULL;
        }
        if (!PyLong_Check(masks[k])) {
            PyErr_SetString(PyExc_TypeError, "LiteralCandidates: a mask is an int");
            return NULL;
        }
        unsigned long long v = PyLong_AsUnsignedLongLong(masks[k]);
        if (v == (unsigned long long)-1 && PyErr_Occurred()) return NULL;
        values[k] = v;
    }
    LiteralCandidates *c = (LiteralCandidates *)type->tp_alloc(type, 0);
    if (!c) return NULL;
    for (int k = 0; k < 3; k++) {
        c->finders[k] = finders[k] == Py_None ? NULL : finders[k];
        Py_XINCREF(c->finders[k]);
    }
    c->ascii_always = values[0];
    c->other_always = values[1];
    c->digit_bits = values[2];
    return (PyObject *)c;
}

static PyObject *literal_candidates_call(LiteralCandidates *c, PyObject *args, PyObject *kwds)
{
    PyObject *line, *low;
    if (kwds && PyDict_GET_SIZE(kwds)) {
        PyErr_SetString(PyExc_TypeError, "LiteralCandidates takes no keyword arguments");
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "UU", &line, &low)) return NULL;
    uint64_t mask;
    if (PyUnicode_IS_ASCII(line)) {
        mask = c->ascii_always;
        if (c->finders[0]) mask |= literal_scan((LiteralFinder *)c->finders[0], low);
    } else {
        mask = c->other_always;
        if (c->finders[1]) mask |= literal_scan((LiteralFinder *)c->finders[1], low);
        if (c->finders[2]) mask |= literal_scan((LiteralFinder *)c->finders[2], line);
    }
    if (mask & c->digit_bits) {
        int kind = PyUnicode_KIND(line);
        const void *data = PyUnicode_DATA(line);
        Py_ssize_t n = PyUnicode_GET_LENGTH(line), i = 0;
        while (i < n && !D(READ(i))) i++;
        if (i == n) mask &= ~c->digit_bits;
    }
    return PyLong_FromUnsignedLongLong(mask);
}

static PyObject *literal_candidates_reduce(LiteralCandidates *c, PyObject *unused)
{
    PyObject *f[3];
    for (int k = 0; k < 3; k++) f[k] = c->finders[k] ? c->finders[k] : Py_None;
    return Py_BuildValue("(O(OOOKKK))", (PyObject *)Py_TYPE(c), f[0], f[1], f[2], (unsigned long long)c->ascii_always,
                         (unsigned long long)c->other_always, (unsigned long long)c->digit_bits);
}

static PyMethodDef literal_candidates_methods[] = {
    {"__reduce__", (PyCFunction)literal_candidates_reduce, METH_NOARGS, "made again from its finders and masks"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject LiteralCandidatesType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "pipeline._shape.LiteralCandidates",
    .tp_basicsize = sizeof(LiteralCandidates),
    .tp_dealloc = (destructor)literal_candidates_dealloc,
    .tp_call = (ternaryfunc)literal_candidates_call,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "LiteralCandidates(ascii, folded, raw, ascii_always, other_always, digit_bits)(line, low): "
              "lexicon._Literals.candidates",
    .tp_new = literal_candidates_new,
    .tp_methods = literal_candidates_methods,
};

/* lexicon.LineForms in C: a line's forms the lexicons compare, each made once. The same
 * attributes and answers as the Python class it stands in for (lexicon._PyLineForms):
 * `spaced` and `folded` from ascii_forms for an ASCII line (with `low`), else from the very
 * str methods the Python calls (" ".join(line.casefold().split()).lstrip(edge), then
 * .rstrip(edge)); `words` (len(words_of(line))) and `low` (_casefree(line)) computed on first
 * use by the Python functions configure_forms gives; candidates(literals) calls
 * literals.candidates(line, low) once for the last `literals` asked. */
typedef struct {
    PyObject_HEAD
    PyObject *line, *spaced, *folded, *words, *low, *literals, *candidates;
} LineFormsObject;

static PyObject *forms_edge, *forms_words_of, *forms_casefree, *str_candidates, *str_space;

static PyObject *configure_forms(PyObject *self, PyObject *args)
{
    PyObject *edge, *words_of, *casefree;
    if (!PyArg_ParseTuple(args, "UOO", &edge, &words_of, &casefree)) return NULL;
    Py_INCREF(edge); Py_INCREF(words_of); Py_INCREF(casefree);
    Py_XSETREF(forms_edge, edge);
    Py_XSETREF(forms_words_of, words_of);
    Py_XSETREF(forms_casefree, casefree);
    if (!str_candidates && !(str_candidates = PyUnicode_InternFromString("candidates"))) return NULL;
    if (!str_space && !(str_space = PyUnicode_FromString(" "))) return NULL;
    Py_RETURN_NONE;
}

static PyObject *line_forms_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *line;
    if (kwds && PyDict_GET_SIZE(kwds)) { PyErr_SetString(PyExc_TypeError, "LineForms(line)"); return NULL; }
    if (!PyArg_ParseTuple(args, "U:LineForms", &line)) return NULL;
    if (!forms_edge) { PyErr_SetString(PyExc_RuntimeError, "_shape.LineForms: configure_forms first"); return NULL; }
    LineFormsObject *self = (LineFormsObject *)type->tp_alloc(type, 0);
    if (!self) return NULL;
    Py_INCREF(line);
    self->line = line;
    if (PyUnicode_IS_ASCII(line)) {
        PyObject *pair = PyTuple_Pack(2, line, forms_edge);
        PyObject *forms = pair ? ascii_forms(NULL, pair) : NULL;
        Py_XDECREF(pair);
        if (!forms) { Py_DECREF(self); return NULL; }
        self->spaced = PyTuple_GET_ITEM(forms, 0); Py_INCREF(self->spaced);
        self->folded = PyTuple_GET_ITEM(forms, 1); Py_INCREF(self->folded);
        self->low = PyTuple_GET_ITEM(forms, 2); Py_INCREF(self->low);
        Py_DECREF(forms);
        return (PyObject *)self;
    }
    PyObject *cf = PyObject_CallMethod(line, "casefold", NULL);
    PyObject *parts = cf ? PyUnicode_Split(cf, NULL, -1) : NULL;
    PyObject *joined = parts ? PyUnicode_Join(str_space, parts) : NULL;
    self->spaced = joined ? PyObject_CallMethod(joined, "lstrip", "O", forms_edge) : NULL;
    self->folded = self->spaced ? PyObject_CallMethod(self->spaced, "rstrip", "O", forms_edge) : NULL;
    Py_XDECREF(cf); Py_XDECREF(parts); Py_XDECREF(joined);
    if (!self->folded) { Py_DECREF(self); return NULL; }
    return (PyObject *)self;
}

static void line_forms_dealloc(LineFormsObject *self)
{
    Py_XDECREF(self->line); Py_XDECREF(self->spaced); Py_XDECREF(self->folded); Py_XDECREF(self->words);
    Py_XDECREF(self->low); Py_XDECREF(self->literals); Py_XDECREF(self->candidates);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *line_forms_low(LineFormsObject *self, void *closure)
{
    if (!self->low && !(self->low = PyObject_CallOneArg(forms_casefree, self->line))) return NULL;
    Py_INCREF(self->low);
    return self->low;
}

static PyObject *line_forms_words(LineFormsObject *self, void *closure)
{
    if (!self->words) {
        PyObject *words = PyObject_CallOneArg(forms_words_of, self->line);
        if (!words) return NULL;
        Py_ssize_t n = PyObject_Length(words);
        Py_DECREF(words);
        if (n < 0 || !(self->words = PyLong_FromSsize_t(n))) return NULL;
    }
    Py_INCREF(self->words);
    return self->words;
}

static PyObject *line_forms_candidates(LineFormsObject *self, PyObject *literals)
{
    if (self->literals != literals) {
        PyObject *low = line_forms_low(self, NULL);
        if (!low) return NULL;
        PyObject *found = PyObject_CallMethodObjArgs(literals, str_candidates, self->line, low, NULL);
        Py_DECREF(low);
        if (!found) return NULL;
        Py_INCREF(literals);
        Py_XSETREF(self->literals, literals);
        Py_XSETREF(self->candidates, found);
    }
    Py_INCREF(self->candidates);
    return self->candidates;
}

static PyMemberDef line_forms_members[] = {
    {"line", T_OBJECT, offsetof(LineFormsObject, line), READONLY, "the line"},
    {"spaced", T_OBJECT, offsetof(LineFormsObject, spaced), READONLY,
     "case-folded, white space collapsed, leading punctuation off"},
    {"folded", T_OBJECT, offsetof(LineFormsObject, folded), READONLY, "fold(line)"},
    {NULL, 0, 0, 0, NULL},
};

static PyGetSetDef line_forms_getset[] = {
    {"words", (getter)line_forms_words, NULL, "len(words_of(line)), made once", NULL},
    {"low", (getter)line_forms_low, NULL, "_casefree(line), made once", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef line_forms_methods[] = {
    {"candidates", (PyCFunction)line_forms_candidates, METH_O,
     "literals.candidates(line, low), found once for lexicons sharing `literals`"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject LineFormsType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "pipeline._shape.LineForms",
    .tp_basicsize = sizeof(LineFormsObject),
    .tp_dealloc = (destructor)line_forms_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "LineForms(line): lexicon.LineForms in C (configure_forms first)",
    .tp_new = line_forms_new,
    .tp_members = line_forms_members,
    .tp_getset = line_forms_getset,
    .tp_methods = line_forms_methods,
};

/* LexiconMatcher(exact, any_prefix, prefix_heads, prefixes, max_words, found, first_regex,
 * regex_max_words, literals, checks)(forms): lexicon.Lexicon.match_line(forms) in C, from the
 * tables the Lexicon made (its _exact, _any_prefix, _prefix_heads, _prefixes, _max_words,
 * _found, _first_regex, _regex_max_words, _literals, _checks), with no Python frame a line.
 * The same steps in the same order: the exact phrase (a dict lookup of `folded`), the prefix
 * alternation when `spaced[:1]` is a head, each rule's prefix; the first of those rules (the
 * lowest index) within its word limit is `said`; then the regex rules before it whose bit the
 * line's candidates hold and whose word limit it keeps, each search called in turn (for a
 * rule with `parts`, the search of each of its regexes whose bits the candidates hold). Bits and
 * candidates are 64-bit masks (-1: every bit; the Lexicon makes none wider for the C matcher).
 * A word limit or index is an int or None (-1 here). `forms`: a LineForms of this module, or
 * any object with the same attributes (read by name). While a regex search runs, the rule it
 * belongs to is `running_rule()` (lexicon.rule_running reads it: a time limit's signal handler
 * runs inside the search, with no Python frame of match_line to read). */
typedef struct {
    Py_ssize_t index, max_words, n_parts;
    PyObject *search, *found;
    uint64_t bits;
    uint64_t *part_bits;      /* n_parts: a rule of several regexes, each searched alone */
    PyObject **part_search;   /* when the line holds its literals (else `search`) */
} MatcherCheck;

typedef struct {
    PyObject_HEAD
    PyObject *exact, *any_prefix, *prefix_heads, *found, *literals;
    Py_ssize_t n_rules, first_regex, regex_max_words, n_prefixes, n_checks;
    Py_ssize_t *max_words;          /* n_rules */
    Py_ssize_t *prefix_index;       /* n_prefixes */
    PyObject **prefix_match;        /* n_prefixes */
    MatcherCheck *checks;           /* n_checks */
    uint64_t regex_bits;
    PyObject *args;                 /* the constructor's arguments, for pickling */
} LexiconMatcher;

static PyObject *running_found;  /* the rule whose regex a LexiconMatcher is searching, or NULL */
static PyObject *str_folded, *str_spaced, *str_line, *str_words;

static PyTypeObject LexiconMatcherType;

static void lexicon_matcher_dealloc(LexiconMatcher *m)
{
    Py_XDECREF(m->exact); Py_XDECREF(m->any_prefix); Py_XDECREF(m->prefix_heads); Py_XDECREF(m->found);
    Py_XDECREF(m->literals); Py_XDECREF(m->args);
    for (Py_ssize_t k = 0; m->prefix_match && k < m->n_prefixes; k++) Py_XDECREF(m->prefix_match[k]);
    for (Py_ssize_t k = 0; m->checks && k < m->n_checks; k++) {
        MatcherCheck *c = &m->checks[k];
        Py_XDECREF(c->search);
        Py_XDECREF(c->found);
        for (Py_ssize_t j = 0; c->part_search && j < c->n_parts; j++) Py_XDECREF(c->part_search[j]);
        PyMem_Free(c->part_bits);
        PyMem_Free(c->part_search);
    }
    PyMem_Free(m->max_words); PyMem_Free(m->prefix_index); PyMem_Free(m->prefix_match); PyMem_Free(m->checks);
    Py_TYPE(m)->tp_free((PyObject *)m);
}

/* An int >= 0 or None (-1); -2 with an error set for anything else. */
static Py_ssize_t limit_of(PyObject *v)
{
    if (v == Py_None) return -1;
    if (!PyLong_Check(v)) { PyErr_SetString(PyExc_TypeError, "LexiconMatcher: a limit is an int or None"); return -2; }
    Py_ssize_t n = PyLong_AsSsize_t(v);
    if (n == -1 && PyErr_Occurred()) return -2;
    if (n < 0) { PyErr_SetString(PyExc_ValueError, "LexiconMatcher: a negative limit"); return -2; }
    return n;
}

/* A mask: -1 (every bit) or 0 <= v < 2**64; else an error (OverflowError). */
static int mask_of(PyObject *v, uint64_t *out)
{
    if (!PyLong_Check(v)) { PyErr_SetString(PyExc_TypeError, "LexiconMatcher: a mask is an int"); return -1; }
    int overflow = 0;
    long long s = PyLong_AsLongLongAndOverflow(v, &overflow);
    if (!overflow && s == -1) {
        if (PyErr_Occurred()) return -1;
        *out = ~(uint64_t)0;
        return 0;
    }
    if (!overflow && s < 0) { PyErr_SetString(PyExc_OverflowError, "LexiconMatcher: a negative mask"); return -1; }
    unsigned long long u = PyLong_AsUnsignedLongLong(v);
    if (u == (unsigned long long)-1 && PyErr_Occurred()) return -1;
    *out = u;
    return 0;
}

static PyObject *lexicon_matcher_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *exact, *any_prefix, *heads, *prefixes, *max_words, *found, *regex_max_words, *literals, *checks;
    Py_ssize_t first_regex;
    if (kwds && PyDict_GET_SIZE(kwds)) {
        PyErr_SetString(PyExc_TypeError, "LexiconMatcher takes no keyword arguments");
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "O!OOO!O!O!nOOO!:LexiconMatcher", &PyDict_Type, &exact, &any_prefix, &heads,
                          &PyTuple_Type, &prefixes, &PyTuple_Type, &max_words, &PyTuple_Type, &found, &first_regex,
                          &regex_max_words, &literals, &PyTuple_Type, &checks))
        return NULL;
    if (heads != Py_None && !PyAnySet_Check(heads)) {
        PyErr_SetString(PyExc_TypeError, "LexiconMatcher: prefix_heads is a set or None");
        return NULL;
    }
    if (PyTuple_GET_SIZE(max_words) != PyTuple_GET_SIZE(found)) {
        PyErr_SetString(PyExc_ValueError, "LexiconMatcher: one word limit and one match a rule");
        return NULL;
    }
    if (!str_folded && !(str_folded = PyUnicode_InternFromString("folded"))) return NULL;
    if (!str_spaced && !(str_spaced = PyUnicode_InternFromString("spaced"))) return NULL;
    if (!str_line && !(str_line = PyUnicode_InternFromString("line"))) return NULL;
    if (!str_words && !(str_words = PyUnicode_InternFromString("words"))) return NULL;
    if (!str_candidates && !(str_candidates = PyUnicode_InternFromString("candidates"))) return NULL;
    LexiconMatcher *m = (LexiconMatcher *)type->tp_alloc(type, 0);
    if (!m) return NULL;
    m->n_rules = PyTuple_GET_SIZE(found);
    m->n_prefixes = PyTuple_GET_SIZE(prefixes);
    m->n_checks = PyTuple_GET_SIZE(checks);
    m->max_words = PyMem_Calloc(m->n_rules + 1, sizeof(Py_ssize_t));
    m->prefix_index = PyMem_Calloc(m->n_prefixes + 1, sizeof(Py_ssize_t));
    m->prefix_match = PyMem_Calloc(m->n_prefixes + 1, sizeof(PyObject *));
    m->checks = PyMem_Calloc(m->n_checks + 1, sizeof(MatcherCheck));
    if (!m->max_words || !m->prefix_index || !m->prefix_match || !m->checks) {
        Py_DECREF(m);
        return PyErr_NoMemory();
    }
    m->exact = exact; Py_INCREF(exact);
    m->any_prefix = any_prefix == Py_None ? NULL : any_prefix; Py_XINCREF(m->any_prefix);
    m->prefix_heads = heads == Py_None ? NULL : heads; Py_XINCREF(m->prefix_heads);
    m->found = found; Py_INCREF(found);
    m->literals = literals == Py_None ? NULL : literals; Py_XINCREF(m->literals);
    m->args = args; Py_INCREF(args);
    m->first_regex = first_regex;
    if ((m->regex_max_words = limit_of(regex_max_words)) == -2) goto fail;
    for (Py_ssize_t k = 0; k < m->n_rules; k++)
        if ((m->max_words[k] = limit_of(PyTuple_GET_ITEM(max_words, k))) == -2) goto fail;
    for (Py_ssize_t k = 0; k < m->n_prefixes; k++) {
        PyObject *pair = PyTuple_GET_ITEM(prefixes, k);
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
            PyErr_SetString(PyExc_TypeError, "LexiconMatcher: a prefix is (index, match)");
            goto fail;
        }
        Py_ssize_t index = PyLong_AsSsize_t(PyTuple_GET_ITEM(pair, 0));
        if (index == -1 && PyErr_Occurred()) goto fail;
        if (index < 0 || index >= m->n_rules) { PyErr_SetString(PyExc_IndexError, "LexiconMatcher: a rule index"); goto fail; }
        m->prefix_index[k] = index;
        m->prefix_match[k] = PyTuple_GET_ITEM(pair, 1);
        Py_INCREF(m->prefix_match[k]);
    }
    m->regex_bits = 0;
    for (Py_ssize_t k = 0; k < m->n_checks; k++) {
        PyObject *check = PyTuple_GET_ITEM(checks, k);
        if (!PyTuple_Check(check) || PyTuple_GET_SIZE(check) != 6) {
            PyErr_SetString(PyExc_TypeError, "LexiconMatcher: a check is (index, max_words, search, bits, found, parts)");
            goto fail;
        }
        MatcherCheck *c = &m->checks[k];
        c->index = PyLong_AsSsize_t(PyTuple_GET_ITEM(check, 0));
        if (c->index == -1 && PyErr_Occurred()) goto fail;
        if (c->index < 0) { PyErr_SetString(PyExc_IndexError, "LexiconMatcher: a rule index"); goto fail; }
        if ((c->max_words = limit_of(PyTuple_GET_ITEM(check, 1))) == -2) goto fail;
        if (mask_of(PyTuple_GET_ITEM(check, 3), &c->bits) < 0) goto fail;
        c->search = PyTuple_GET_ITEM(check, 2); Py_INCREF(c->search);
        c->found = PyTuple_GET_ITEM(check, 4); Py_INCREF(c->found);
        m->regex_bits |= c->bits;
        PyObject *parts = PyTuple_GET_ITEM(check, 5);
        if (parts != Py_None) {
            if (!PyTuple_Check(parts)) { PyErr_SetString(PyExc_TypeError, "LexiconMatcher: parts are a tuple or None"); goto fail; }
            Py_ssize_t n = PyTuple_GET_SIZE(parts);
            c->part_bits = PyMem_Calloc(n + 1, sizeof(uint64_t));
            c->part_search = PyMem_Calloc(n + 1, sizeof(PyObject *));
            if (!c->part_bits || !c->part_search) { PyErr_NoMemory(); goto fail; }
            for (Py_ssize_t j = 0; j < n; j++) {
                PyObject *part = PyTuple_GET_ITEM(parts, j);
                if (!PyTuple_Check(part) || PyTuple_GET_SIZE(part) != 2) {
                    PyErr_SetString(PyExc_TypeError, "LexiconMatcher: a part is (bits, search)");
                    goto fail;
                }
                if (mask_of(PyTuple_GET_ITEM(part, 0), &c->part_bits[j]) < 0) goto fail;
                c->part_search[j] = PyTuple_GET_ITEM(part, 1);
                Py_INCREF(c->part_search[j]);
                c->n_parts = j + 1;
            }
            c->n_parts = n;
            if (n == 0) { PyErr_SetString(PyExc_ValueError, "LexiconMatcher: parts are not empty"); goto fail; }
        }
    }
    return (PyObject *)m;
fail:
    Py_DECREF(m);
    return NULL;
}

/* forms.words as a Py_ssize_t (-1 with an error set) */
static Py_ssize_t forms_word_count(PyObject *forms)
{
    PyObject *w = Py_IS_TYPE(forms, &LineFormsType) ? line_forms_words((LineFormsObject *)forms, NULL)
                                                    : PyObject_GetAttr(forms, str_words);
    if (!w) return -1;
    Py_ssize_t n = PyLong_AsSsize_t(w);
    Py_DECREF(w);
    return n;
}

#define MATCHER_RETURN(said) do { \
        Py_XDECREF(own_folded); Py_XDECREF(own_spaced); Py_XDECREF(own_line); \
        if ((said) < 0) Py_RETURN_NONE; \
        PyObject *r_ = PyTuple_GET_ITEM(m->found, (said)); Py_INCREF(r_); return r_; \
    } while (0)
#define MATCHER_FAIL() do { Py_XDECREF(own_folded); Py_XDECREF(own_spaced); Py_XDECREF(own_line); return NULL; } while (0)

static PyObject *lexicon_matcher_call(LexiconMatcher *m, PyObject *args, PyObject *kwds)
{
    PyObject *forms;
    if ((kwds && PyDict_GET_SIZE(kwds)) || PyTuple_GET_SIZE(args) != 1) {
        PyErr_SetString(PyExc_TypeError, "LexiconMatcher(forms): one argument");
        return NULL;
    }
    forms = PyTuple_GET_ITEM(args, 0);
    PyObject *folded, *spaced, *line;  /* borrowed from a LineForms, else own_* */
    PyObject *own_folded = NULL, *own_spaced = NULL, *own_line = NULL;
    int kernel = Py_IS_TYPE(forms, &LineFormsType);
    if (kernel) {
        folded = ((LineFormsObject *)forms)->folded;
        spaced = ((LineFormsObject *)forms)->spaced;
        line = ((LineFormsObject *)forms)->line;
    } else {
        if (!(folded = own_folded = PyObject_GetAttr(forms, str_folded))) MATCHER_FAIL();
        if (!(spaced = own_spaced = PyObject_GetAttr(forms, str_spaced))) MATCHER_FAIL();
        if (!(line = own_line = PyObject_GetAttr(forms, str_line))) MATCHER_FAIL();
    }
    Py_ssize_t words = -1;  /* forms.words, read when first needed */
#define WORDS() (words >= 0 ? words : (words = forms_word_count(forms)))
    Py_ssize_t said = -1;  /* the first rule whose exact phrase or prefix the line is, within its limit */
    PyObject *hits = PyDict_GetItemWithError(m->exact, folded);  /* borrowed: a tuple of indexes, or NULL */
    if (!hits && PyErr_Occurred()) MATCHER_FAIL();
    if (hits) {
        if (!PyTuple_Check(hits)) { PyErr_SetString(PyExc_TypeError, "LexiconMatcher: exact hits are a tuple"); MATCHER_FAIL(); }
        for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(hits); k++) {
            Py_ssize_t index = PyLong_AsSsize_t(PyTuple_GET_ITEM(hits, k));
            if (index == -1 && PyErr_Occurred()) MATCHER_FAIL();
            if (index < 0 || index >= m->n_rules) { PyErr_SetString(PyExc_IndexError, "LexiconMatcher: a rule index"); MATCHER_FAIL(); }
            if (said >= 0 && index >= said) continue;
            Py_ssize_t limit = m->max_words[index];
            if (limit >= 0) {
                if (WORDS() < 0 && PyErr_Occurred()) MATCHER_FAIL();
                if (words > limit) continue;
            }
            said = index;
        }
    }
    if (m->any_prefix) {
        int head = 1;
        if (m->prefix_heads) {
            PyObject *first = PyUnicode_Substring(spaced, 0, 1);
            if (!first) MATCHER_FAIL();
            head = PySet_Contains(m->prefix_heads, first);
            Py_DECREF(first);
            if (head < 0) MATCHER_FAIL();
        }
        if (head) {
            PyObject *any = PyObject_CallOneArg(m->any_prefix, spaced);
            if (!any) MATCHER_FAIL();
            int truth = PyObject_IsTrue(any);
            Py_DECREF(any);
            if (truth < 0) MATCHER_FAIL();
            if (truth) {
                for (Py_ssize_t k = 0; k < m->n_prefixes; k++) {
                    Py_ssize_t index = m->prefix_index[k];
                    if (said >= 0 && index >= said) continue;  /* a later rule: not the first */
                    PyObject *hit = PyObject_CallOneArg(m->prefix_match[k], spaced);
                    if (!hit) MATCHER_FAIL();
                    int matched = PyObject_IsTrue(hit);
                    Py_DECREF(hit);
                    if (matched < 0) MATCHER_FAIL();
                    if (!matched) continue;
                    Py_ssize_t limit = m->max_words[index];
                    if (limit >= 0) {
                        if (WORDS() < 0 && PyErr_Occurred()) MATCHER_FAIL();
                        if (words > limit) continue;
                    }
                    said = index;
                }
            }
        }
    }
    if (m->first_regex >= (said < 0 ? m->n_rules : said)) MATCHER_RETURN(said);
    /* A regex can only match on a line within some regex rule's word limit (a line of n
     * characters has at most (n + 1) // 2 words) that holds one of their literals. */
    Py_ssize_t limit = m->regex_max_words;
    if (said < 0 && limit >= 0 && (PyUnicode_GET_LENGTH(line) + 1) / 2 > limit) {
        if (WORDS() < 0 && PyErr_Occurred()) MATCHER_FAIL();
        if (words > limit) MATCHER_RETURN(-1);
    }
    uint64_t candidates = ~(uint64_t)0;
    if (m->literals) {
        PyObject *found = kernel ? line_forms_candidates((LineFormsObject *)forms, m->literals)
                                 : PyObject_CallMethodOneArg(forms, str_candidates, m->literals);
        if (!found) MATCHER_FAIL();
        if (!PyLong_Check(found)) {
            Py_DECREF(found);
            PyErr_SetString(PyExc_TypeError, "LexiconMatcher: candidates are an int");
            MATCHER_FAIL();
        }
        candidates = PyLong_AsUnsignedLongLongMask(found);  /* the low 64 bits: every bit a check has */
        Py_DECREF(found);
        if (candidates == (uint64_t)-1 && PyErr_Occurred()) MATCHER_FAIL();
    }
    if (!(candidates & m->regex_bits)) MATCHER_RETURN(said);
    for (Py_ssize_t k = 0; k < m->n_checks; k++) {
        MatcherCheck *c = &m->checks[k];
        if (said >= 0 && c->index >= said) break;
        if (!(candidates & c->bits)) continue;
        if (c->max_words >= 0) {
            if (WORDS() < 0 && PyErr_Occurred()) MATCHER_FAIL();
            if (words > c->max_words) continue;
        }
        PyObject *outer = running_found;  /* NULL unless a search calls back into a matcher */
        running_found = c->found;
        int matched = 0;
        for (Py_ssize_t j = 0; j < (c->part_search ? c->n_parts : 1) && !matched; j++) {
            if (c->part_search && !(candidates & c->part_bits[j])) continue;
            PyObject *hit = PyObject_CallOneArg(c->part_search ? c->part_search[j] : c->search, line);
            matched = hit ? PyObject_IsTrue(hit) : -1;
            Py_XDECREF(hit);
            if (matched < 0) break;
        }
        running_found = outer;
        if (matched < 0) MATCHER_FAIL();
        if (matched) {
            Py_XDECREF(own_folded); Py_XDECREF(own_spaced); Py_XDECREF(own_line);
            Py_INCREF(c->found);
            return c->found;
        }
    }
    MATCHER_RETURN(said);
#undef WORDS
}

static PyObject *lexicon_matcher_reduce(LexiconMatcher *m, PyObject *unused)
{
    return Py_BuildValue("(OO)", (PyObject *)Py_TYPE(m), m->args);
}

static PyObject *running_rule(PyObject *self, PyObject *unused)
{
    PyObject *r = running_found ? running_found : Py_None;
    Py_INCREF(r);
    return r;
}

static PyMethodDef lexicon_matcher_methods[] = {
    {"__reduce__", (PyCFunction)lexicon_matcher_reduce, METH_NOARGS, "made again from its tables"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject LexiconMatcherType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "pipeline._shape.LexiconMatcher",
    .tp_basicsize = sizeof(LexiconMatcher),
    .tp_dealloc = (destructor)lexicon_matcher_dealloc,
    .tp_call = (ternaryfunc)lexicon_matcher_call,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "LexiconMatcher(exact, any_prefix, prefix_heads, prefixes, max_words, found, first_regex, "
              "regex_max_words, literals, checks)(forms): lexicon.Lexicon.match_line",
    .tp_new = lexicon_matcher_new,
    .tp_methods = lexicon_matcher_methods,
};

/* features.Page's shape matrix: np.fromiter(chain.from_iterable(row for row, _, _ in per_line),
 * np.float64, n * width) written into `out` (a writable C-contiguous float64 buffer of n * width
 * doubles, np.empty's). Each value is a float (its double) or an int (PyLong_AsDouble, the
 * correctly rounded double, as numpy's float64 of an int is). False, with `out` partly written,
 * for anything else (a row of another length, another type, an int too large for a double): the
 * caller then runs the Python. */
static PyObject *fill_rows(PyObject *self, PyObject *args)
{
    PyObject *out, *per_line;
    Py_ssize_t width;
    if (!PyArg_ParseTuple(args, "OO!n", &out, &PyList_Type, &per_line, &width)) return NULL;
    Py_buffer view;
    if (PyObject_GetBuffer(out, &view, PyBUF_C_CONTIGUOUS | PyBUF_WRITABLE | PyBUF_FORMAT) < 0) return NULL;
    Py_ssize_t n = PyList_GET_SIZE(per_line);
    int ok = width >= 0 && view.itemsize == (Py_ssize_t)sizeof(double) && view.format && strcmp(view.format, "d") == 0
             && view.len == n * width * (Py_ssize_t)sizeof(double);
    double *dst = (double *)view.buf;
    for (Py_ssize_t i = 0; ok && i < n; i++) {
        PyObject *item = PyList_GET_ITEM(per_line, i);
        if (!PyTuple_CheckExact(item) || PyTuple_GET_SIZE(item) < 1) { ok = 0; break; }
        PyObject *row = PyTuple_GET_ITEM(item, 0);
        PyObject **values;
        if (PyList_CheckExact(row) && PyList_GET_SIZE(row) == width) values = ((PyListObject *)row)->ob_item;
        else if (PyTuple_CheckExact(row) && PyTuple_GET_SIZE(row) == width) values = ((PyTupleObject *)row)->ob_item;
        else { ok = 0; break; }
        for (Py_ssize_t j = 0; j < width; j++) {
            PyObject *v = values[j];
            if (PyFloat_CheckExact(v)) *dst++ = PyFloat_AS_DOUBLE(v);
            else if (PyLong_CheckExact(v)) {
                double d = PyLong_AsDouble(v);
                if (d == -1.0 && PyErr_Occurred()) { PyErr_Clear(); ok = 0; break; }
                *dst++ = d;
            }
            else { ok = 0; break; }
        }
    }
    PyBuffer_Release(&view);
    return PyBool_FromLong(ok);
}

/* features._max_subarray(values) over a C-contiguous float64 buffer: Kadane's loop with the
 * same double arithmetic and comparisons as the Python's floats, so the same span: (start, end)
 * inclusive, or None. */
static PyObject *max_subarray(PyObject *self, PyObject *arg)
{
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return NULL;
    if (view.itemsize != (Py_ssize_t)sizeof(double) || !view.format || strcmp(view.format, "d") != 0) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_TypeError, "_shape.max_subarray: a float64 buffer");
        return NULL;
    }
    const double *v = (const double *)view.buf;
    Py_ssize_t n = view.len / (Py_ssize_t)sizeof(double), cur_start = 0, best_start = -1, best_end = -1;
    double best = 0.0, cur = 0.0;
    for (Py_ssize_t k = 0; k < n; k++) {
        if (cur <= 0) { cur = v[k]; cur_start = k; }
        else cur += v[k];
        if (cur > best) { best = cur; best_start = cur_start; best_end = k; }
    }
    PyBuffer_Release(&view);
    if (best_start < 0) Py_RETURN_NONE;
    return Py_BuildValue("(nn)", best_start, best_end);
}

/* features.Page's columns of the registry (all but the block features), written into the
 * feature matrix in one call: main made them with about a hundred numpy calls on ~200-row
 * arrays a page, whose cost was the calls, not the arithmetic. Every value comes from the
 * same double operations in the same order as numpy's (a cumulative sum adds left to right,
 * bincount adds a run's rows in order from 0.0, a window's sum starts at 0.0 and adds its
 * eleven places, the padding's zeros included, an int64 is divided as a double), so these
 * are features.Page's very floats (tests/test_speed_round23_classifier.py: every column bit
 * for bit on real pages and random ones). Arguments:
 *   X       the matrix, float64 n x F, C-contiguous, written where codes[j] >= 0;
 *   shape   the lines' shape rows, float64 n x W (Page.shape);
 *   codes   per column of X: -1 (not here), 0..W-1 (that shape column) or 1000 + one of
 *           the PC_ names below (features._KERNEL_NAMES' order);
 *   idx     the lines' numbers in the text; norms, norm_counts, masked, shape_counts: the
 *           lines' normalised and digit-masked texts and their Counters; inside, container:
 *           containment's sets; log1p: math.log1p(0..m) as float64, m >= max(n, 50); cols:
 *           the shape columns (n_words, stop_density, end_punct, good, dateish, log_words);
 *           nan: the NaN to write; run_id: int64 n, written (np.cumsum(new_run) - 1).
 * False, with X partly written, when an argument is not what it should be (a count that is
 * not an int, a member out of range): the caller then runs the Python. */
enum {
    PC_REPEAT, PC_CONTAINS, PC_CONTAINED, PC_POS_REL, PC_POS_WORDS_REL, PC_BLANK_BEFORE, PC_BLANK_AFTER,
    PC_RUN_LEN, PC_RUN_POS_REL, PC_RUN_MEAN_WORDS, PC_RUN_SHORT_SHARE, PC_RUN_GOOD_SHARE, PC_PREV1_WORDS,
    PC_PREV1_STOP, PC_PREV1_END, PC_PREV2_WORDS, PC_NEXT1_WORDS, PC_NEXT1_STOP, PC_NEXT1_END, PC_NEXT2_WORDS,
    PC_WIN5_MEAN_LOGW, PC_WIN5_STOP, PC_WIN5_GOOD, PC_WIN15_GOOD, PC_WIN15_SHORT, PC_IN_MAIN, PC_DIST_MAIN,
    PC_MAIN_SHARE, PC_BEFORE_FIRST_GOOD, PC_AFTER_LAST_GOOD, PC_DIST_GOOD, PC_DOC_LINES, PC_DOC_GOOD_SHARE,
    PC_DOC_WORDS_LOG, PC_SHAPE_REPEAT, PC_WIN10_SHAPE_REP, PC_WIN10_DATEISH, PC_COUNT
};

/* counts[key] - 1.0 per line: np.fromiter(map(counts.__getitem__, keys), np.float64, n) - 1.0 */
static int counts_less_one(PyObject *keys, PyObject *counts, Py_ssize_t n, double *out)
{
    if (!PyList_CheckExact(keys) || PyList_GET_SIZE(keys) != n || !PyDict_Check(counts)) return 0;
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *c = PyDict_GetItemWithError(counts, PyList_GET_ITEM(keys, k));
        if (!c || !PyLong_CheckExact(c)) { PyErr_Clear(); return 0; }
        double d = PyLong_AsDouble(c);
        if (d == -1.0 && PyErr_Occurred()) { PyErr_Clear(); return 0; }
        out[k] = d - 1.0;
    }
    return 1;
}

/* 1.0 at each member of the set `members` (line numbers), the rest 0.0 */
static int mark_members(PyObject *members, Py_ssize_t n, double *out)
{
    memset(out, 0, n * sizeof(double));
    if (!PyAnySet_CheckExact(members)) return 0;
    Py_ssize_t pos = 0;
    PyObject *item;
    Py_hash_t hash;
    while (_PySet_NextEntry(members, &pos, &item, &hash)) {
        Py_ssize_t k = PyLong_CheckExact(item) ? PyLong_AsSsize_t(item) : -1;
        if (k < 0 || k >= n) { PyErr_Clear(); return 0; }
        out[k] = 1.0;
    }
    return 1;
}

static int pc_buffer(Py_buffer *view, PyObject *obj, Py_ssize_t count, const char *formats, int writable)
{
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0)) < 0)
        return -1;
    if (view->itemsize != 8 || !view->format || strlen(view->format) != 1 || !strchr(formats, view->format[0]) ||
        (count >= 0 ? view->len != count * 8 : 0)) {
        PyBuffer_Release(view);
        PyErr_SetString(PyExc_TypeError, "_shape.page_columns: a buffer of the wrong type or size");
        return -1;
    }
    return 0;
}

static PyObject *page_columns(PyObject *self, PyObject *args)
{
    PyObject *Xo, *shape_o, *codes_o, *idx, *norms, *norm_counts, *masked, *shape_counts, *inside, *container,
        *log1p_o, *run_o;
    Py_ssize_t cw, csd, cend, cgood, cdate, clogw, W;
    double nan_value;
    if (!PyArg_ParseTuple(args, "OOnO!O!OOOOOOO(nnnnnn)dO", &Xo, &shape_o, &W, &PyTuple_Type, &codes_o, &PyList_Type,
                          &idx, &norms, &norm_counts, &masked, &shape_counts, &inside, &container, &log1p_o, &cw,
                          &csd, &cend, &cgood, &cdate, &clogw, &nan_value, &run_o))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(idx), F = PyTuple_GET_SIZE(codes_o);
    if (n == 0 || W <= 0) Py_RETURN_FALSE;
    Py_ssize_t cs[6] = {cw, csd, cend, cgood, cdate, clogw};
    for (int i = 0; i < 6; i++)
        if (cs[i] < 0 || cs[i] >= W) Py_RETURN_FALSE;
    Py_buffer xv, sv, lv, rv;
    if (pc_buffer(&xv, Xo, n * F, "d", 1) < 0) return NULL;
    if (pc_buffer(&sv, shape_o, n * W, "d", 0) < 0) { PyBuffer_Release(&xv); return NULL; }
    if (pc_buffer(&lv, log1p_o, -1, "d", 0) < 0) { PyBuffer_Release(&xv); PyBuffer_Release(&sv); return NULL; }
    if (pc_buffer(&rv, run_o, n, "lq", 1) < 0) {
        PyBuffer_Release(&xv); PyBuffer_Release(&sv); PyBuffer_Release(&lv); return NULL;
    }
    Py_ssize_t m = lv.len / 8;
    double *X = (double *)xv.buf;
    const double *S = (const double *)sv.buf, *L = (const double *)lv.buf;
    int64_t *run_id = (int64_t *)rv.buf;
    double *work = PyMem_Malloc(sizeof(double) * (14 * (size_t)n + 5 * ((size_t)n + 1)));
    int64_t *iwork = PyMem_Malloc(sizeof(int64_t) * 4 * (size_t)n);
    int *codes = PyMem_Malloc(sizeof(int) * ((size_t)F + 1));
    if (!work || !iwork || !codes) {
        PyMem_Free(work); PyMem_Free(iwork); PyMem_Free(codes);
        PyBuffer_Release(&xv); PyBuffer_Release(&sv); PyBuffer_Release(&lv); PyBuffer_Release(&rv);
        return PyErr_NoMemory();
    }
    /* per line: repeat, shape_rep, contained, contains, cumsum(words), window sums (logw,
     * known stop densities); per run: its mean words, short share, good share; cum: the 0/1
     * columns' cumulative sums, (n + 1) x 5 (Page._cum) */
    double *repeat = work, *shape_rep = work + n, *contained = work + 2 * n, *contains = work + 3 * n,
           *cumw = work + 4 * n, *logw_sum = work + 5 * n, *stop_sum = work + 6 * n, *rmean = work + 7 * n,
           *rshort = work + 8 * n, *rgood = work + 9 * n, *cum = work + 14 * n;
    int64_t *raw = iwork, *run_start = iwork + n, *nearest = iwork + 2 * n, *rl = iwork + 3 * n;
    int ok = m >= (n > 50 ? n : 50) + 1;
    for (Py_ssize_t j = 0; ok && j < F; j++) {
        PyObject *c = PyTuple_GET_ITEM(codes_o, j);
        long code = PyLong_CheckExact(c) ? PyLong_AsLong(c) : -2;
        if (code == -1 && PyErr_Occurred()) { PyErr_Clear(); code = -2; }
        if (!(code == -1 || (code >= 0 && code < W) || (code >= 1000 && code < 1000 + PC_COUNT))) ok = 0;
        codes[j] = (int)code;
    }
    ok = ok && counts_less_one(norms, norm_counts, n, repeat) && counts_less_one(masked, shape_counts, n, shape_rep) &&
         mark_members(inside, n, contained) && mark_members(container, n, contains);
    for (Py_ssize_t k = 0; ok && k < n; k++) {
        PyObject *v = PyList_GET_ITEM(idx, k);
        int overflow = 0;
        raw[k] = PyLong_CheckExact(v) ? PyLong_AsLongLongAndOverflow(v, &overflow) : 0;
        if (!PyLong_CheckExact(v) || overflow || raw[k] == LLONG_MAX) ok = 0;
    }
    if (!ok) goto done;
#define SV(k, c) S[(k) * W + (c)]
    /* runs of consecutive raw lines: run_id = cumsum(new_run) - 1; bincount's sums a run */
    Py_ssize_t runs = 0;
    double total = 0.0;  /* sum(words_l), as Python adds the floats */
    for (Py_ssize_t k = 0; k < n; k++) {
        if (k == 0 || raw[k] != raw[k - 1] + 1) run_start[runs++] = k;
        run_id[k] = runs - 1;
        total += SV(k, cw);
    }
    for (Py_ssize_t q = 0; q < runs; q++) rmean[q] = rshort[q] = rgood[q] = 0.0;
    for (Py_ssize_t k = 0; k < n; k++) {
        double w = SV(k, cw);
        rmean[run_id[k]] += w;
        rshort[run_id[k]] += w <= 4 ? 1.0 : 0.0;
        rgood[run_id[k]] += SV(k, cgood);
    }
    for (Py_ssize_t q = 0; q < runs; q++) {
        double len = (double)((q + 1 < runs ? run_start[q + 1] : n) - run_start[q]);
        rmean[q] /= len; rshort[q] /= len; rgood[q] /= len;
    }
    for (Py_ssize_t k = 0; k < n; k++) {
        int64_t q = run_id[k];
        rl[k] = (q + 1 < runs ? run_start[q + 1] : n) - run_start[q];
    }
    double total_words = total != 0.0 ? total : 1.0;  /* sum(words_l) or 1.0 */
    for (int c = 0; c < 5; c++) cum[c] = 0.0;
    for (Py_ssize_t k = 0; k < n; k++) {
        double w = SV(k, cw), sd = SV(k, csd);
        double v[5] = {isnan(sd) ? 0.0 : 1.0, SV(k, cgood), w <= 4 ? 1.0 : 0.0, shape_rep[k] > 0 ? 1.0 : 0.0,
                       (SV(k, cdate) > 0 && w <= 8) ? 1.0 : 0.0};
        for (int c = 0; c < 5; c++) cum[(k + 1) * 5 + c] = k == 0 ? v[c] : cum[k * 5 + c] + v[c];
    }
    for (Py_ssize_t k = 0; k < n; k++) {  /* _window_seq_sum(., 5) */
        double a = 0.0, b = 0.0;
        for (Py_ssize_t j = k - 5; j <= k + 5; j++) {
            if (j < 0 || j >= n) { a += 0.0; b += 0.0; continue; }
            double sd = SV(j, csd);
            a += SV(j, clogw);
            b += isnan(sd) ? 0.0 : sd;
        }
        logw_sum[k] = a; stop_sum[k] = b;
    }
    for (Py_ssize_t k = 0; k < n; k++) cumw[k] = k == 0 ? SV(0, cw) : cumw[k - 1] + SV(k, cw);
    /* the main stretch: _max_subarray over Page's scores */
    Py_ssize_t span_s = -1, span_e = -1;
    {
        Py_ssize_t cur_start = 0;
        double best = 0.0, cur = 0.0;
        for (Py_ssize_t k = 0; k < n; k++) {
            double w = SV(k, cw);
            double v = SV(k, cgood) > 0 ? w : -(2.0 + 0.5 * ((isnan(w) || w <= 20.0) ? w : 20.0));
            if (cur <= 0) { cur = v; cur_start = k; }
            else cur += v;
            if (cur > best) { best = cur; span_s = cur_start; span_e = k; }
        }
    }
    double main_words = 0.0;
    if (span_s >= 0)
        for (Py_ssize_t k = span_s; k <= span_e; k++) main_words += SV(k, cw);
    Py_ssize_t first_good = n, last_good = -1, n_good = 0;  /* np.flatnonzero(good) */
    for (Py_ssize_t k = 0; k < n; k++)
        if (SV(k, cgood) != 0) { if (first_good == n) first_good = k; last_good = k; n_good++; }
    {   /* the nearest good line (good > 0): 50 if none, capped at 50 from below */
        int64_t prev = -1, next = n;
        for (Py_ssize_t k = 0; k < n; k++) {
            if (SV(k, cgood) > 0) prev = k;
            nearest[k] = prev >= 0 ? k - prev : 50;
        }
        for (Py_ssize_t k = n - 1; k >= 0; k--) {
            if (SV(k, cgood) > 0) next = k;
            if (next < n && next - k < nearest[k]) nearest[k] = next - k;
        }
    }
    double main_share = main_words / total_words, doc_lines = log1p((double)n), doc_good = (double)n_good / (double)n,
           doc_words_log = log1p(total_words), far = log1p(50.0);
    for (Py_ssize_t j = 0; j < F; j++) {
        int code = codes[j];
        double *col = X + j;
        if (code < 0) continue;
        if (code < 1000) {
            for (Py_ssize_t k = 0; k < n; k++) col[k * F] = SV(k, code);
            continue;
        }
        int half = 0, which = 0;  /* window_share's */
        switch (code - 1000) {
        case PC_WIN5_GOOD: half = 5; which = 1; break;
        case PC_WIN15_GOOD: half = 15; which = 1; break;
        case PC_WIN15_SHORT: half = 15; which = 2; break;
        case PC_WIN10_SHAPE_REP: half = 10; which = 3; break;
        case PC_WIN10_DATEISH: half = 10; which = 4; break;
        }
        for (Py_ssize_t k = 0; k < n; k++) {
            Py_ssize_t lo5 = k - 5 > 0 ? k - 5 : 0, hi5 = k + 6 < n ? k + 6 : n;
            double v;
            switch (code - 1000) {
            case PC_REPEAT: v = repeat[k]; break;
            case PC_CONTAINS: v = contains[k]; break;
            case PC_CONTAINED: v = contained[k]; break;
            case PC_POS_REL: v = (double)k / (double)n; break;
            case PC_POS_WORDS_REL: v = (cumw[k] - SV(k, cw)) / total_words; break;
            case PC_BLANK_BEFORE: v = (k == 0 || run_id[k] != run_id[k - 1]) ? 1.0 : 0.0; break;
            case PC_BLANK_AFTER: v = (k == n - 1 || run_id[k + 1] != run_id[k]) ? 1.0 : 0.0; break;
            case PC_RUN_LEN: v = L[rl[k]]; break;
            case PC_RUN_POS_REL:
                v = rl[k] > 1 ? (double)(k - run_start[run_id[k]]) / (double)(rl[k] - 1) : 0.0; break;
            case PC_RUN_MEAN_WORDS: v = rmean[run_id[k]]; break;
            case PC_RUN_SHORT_SHARE: v = rshort[run_id[k]]; break;
            case PC_RUN_GOOD_SHARE: v = rgood[run_id[k]]; break;
            case PC_PREV1_WORDS: v = k >= 1 ? SV(k - 1, cw) : -1.0; break;
            case PC_PREV1_STOP: v = k >= 1 ? SV(k - 1, csd) : nan_value; break;
            case PC_PREV1_END: v = k >= 1 ? SV(k - 1, cend) : -1.0; break;
            case PC_PREV2_WORDS: v = k >= 2 ? SV(k - 2, cw) : -1.0; break;
            case PC_NEXT1_WORDS: v = k + 1 < n ? SV(k + 1, cw) : -1.0; break;
            case PC_NEXT1_STOP: v = k + 1 < n ? SV(k + 1, csd) : nan_value; break;
            case PC_NEXT1_END: v = k + 1 < n ? SV(k + 1, cend) : -1.0; break;
            case PC_NEXT2_WORDS: v = k + 2 < n ? SV(k + 2, cw) : -1.0; break;
            case PC_WIN5_MEAN_LOGW: v = logw_sum[k] / (double)(hi5 - lo5); break;
            case PC_WIN5_STOP: {
                double sd_n = cum[hi5 * 5] - cum[lo5 * 5];
                v = sd_n > 0 ? stop_sum[k] / sd_n : nan_value;
                break;
            }
            case PC_WIN5_GOOD: case PC_WIN15_GOOD: case PC_WIN15_SHORT: case PC_WIN10_SHAPE_REP:
            case PC_WIN10_DATEISH: {
                Py_ssize_t lo = k - half > 0 ? k - half : 0, hi = k + half + 1 < n ? k + half + 1 : n;
                v = (cum[hi * 5 + which] - cum[lo * 5 + which]) / (double)(hi - lo);
                break;
            }
            case PC_IN_MAIN: v = (span_s >= 0 && k >= span_s && k <= span_e) ? 1.0 : 0.0; break;
            case PC_DIST_MAIN:
                v = span_s < 0 ? far : L[k < span_s ? span_s - k : (k > span_e ? k - span_e : 0)]; break;
            case PC_MAIN_SHARE: v = main_share; break;
            case PC_BEFORE_FIRST_GOOD: v = k < first_good ? 1.0 : 0.0; break;
            case PC_AFTER_LAST_GOOD: v = k > last_good ? 1.0 : 0.0; break;
            case PC_DIST_GOOD: v = L[nearest[k]]; break;
            case PC_DOC_LINES: v = doc_lines; break;
            case PC_DOC_GOOD_SHARE: v = doc_good; break;
            case PC_DOC_WORDS_LOG: v = doc_words_log; break;
            case PC_SHAPE_REPEAT: v = L[(int64_t)shape_rep[k]]; break;
            default: v = nan_value;
            }
            col[k * F] = v;
        }
    }
#undef SV
done:
    PyMem_Free(work); PyMem_Free(iwork); PyMem_Free(codes);
    PyBuffer_Release(&xv); PyBuffer_Release(&sv); PyBuffer_Release(&lv); PyBuffer_Release(&rv);
    return PyBool_FromLong(ok);
}

/* blocks.cohesion_and_lead's six arrays from cohesion_hits' three counts: out (6 x n float64,
 * C-contiguous) gets core_overlap, win_core_overlap, page_overlap, win_page_overlap,
 * lead_overlap, win_lead_overlap, as _cohesion_from_hits and _lead_from_hits make them (a
 * share: hits / max(count, 1) where count > 0, else NaN; pooled: the window's sums of hits
 * and of counts from cumulative sums, their quotient where the count sum is > 0). The hits
 * and counts are small integers, so every sum is exact and each value the one numpy's
 * division gives (tests/test_speed_round23_classifier.py, bit for bit). */
static PyObject *cohesion_columns(PyObject *self, PyObject *args)
{
    PyObject *lists[3], *cw, *out_o;
    Py_ssize_t half;
    double nan_value;
    if (!PyArg_ParseTuple(args, "O!O!O!O!ndO", &PyList_Type, &lists[0], &PyList_Type, &lists[1], &PyList_Type,
                          &lists[2], &PyList_Type, &cw, &half, &nan_value, &out_o))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(cw);
    for (int i = 0; i < 3; i++)
        if (PyList_GET_SIZE(lists[i]) != n) {
            PyErr_SetString(PyExc_ValueError, "_shape.cohesion_columns: lists of different lengths");
            return NULL;
        }
    if (half < 0) { PyErr_SetString(PyExc_ValueError, "_shape.cohesion_columns: a negative half"); return NULL; }
    Py_buffer ov;
    if (pc_buffer(&ov, out_o, 6 * n, "d", 1) < 0) return NULL;
    double *out = (double *)ov.buf;
    double *work = PyMem_Malloc(sizeof(double) * (5 * (size_t)n + 2));
    if (!work) { PyBuffer_Release(&ov); return PyErr_NoMemory(); }
    double *count = work, *hits = work + n, *cc = work + 2 * n, *ch = work + 3 * n + 1;
    for (Py_ssize_t k = 0; k < n; k++) {
        Py_ssize_t len = PyObject_Length(PyList_GET_ITEM(cw, k));
        if (len < 0) goto fail;
        count[k] = (double)len;
    }
    cc[0] = 0.0;
    for (Py_ssize_t k = 0; k < n; k++) cc[k + 1] = cc[k] + count[k];
    /* the lists' order: core, lead, page; the rows': core, page, lead */
    static const int row_of[3] = {0, 4, 2};
    for (int i = 0; i < 3; i++) {
        for (Py_ssize_t k = 0; k < n; k++) {
            PyObject *v = PyList_GET_ITEM(lists[i], k);
            double d = PyLong_Check(v) ? PyLong_AsDouble(v) : PyFloat_AsDouble(v);
            if (d == -1.0 && PyErr_Occurred()) goto fail;
            hits[k] = d;
        }
        ch[0] = 0.0;
        for (Py_ssize_t k = 0; k < n; k++) ch[k + 1] = ch[k] + hits[k];
        double *share = out + row_of[i] * n, *pooled = share + n;
        for (Py_ssize_t k = 0; k < n; k++) {
            share[k] = count[k] > 0 ? hits[k] / (count[k] > 1 ? count[k] : 1.0) : nan_value;
            Py_ssize_t lo = k - half > 0 ? k - half : 0, hi = k + half + 1 < n ? k + half + 1 : n;
            double wc = cc[hi] - cc[lo];
            pooled[k] = wc > 0 ? (ch[hi] - ch[lo]) / (wc > 1 ? wc : 1.0) : nan_value;
        }
    }
    PyMem_Free(work);
    PyBuffer_Release(&ov);
    Py_RETURN_NONE;
fail:
    PyMem_Free(work);
    PyBuffer_Release(&ov);
    return NULL;
}

/* containment._containment_counted's sets over a page's distinct long lines (each of at least
 * CONTAIN_K code points): (the indices of the lines inside a longer one, the indices of the
 * lines holding one), by a rolling hash of every CONTAIN_K-point window of each line, looked up
 * among the lines' first CONTAIN_K points and each candidate compared point by point, where
 * the Python counted each line in all the lines joined (one search of the page a line). A
 * compare's points are charged against a budget of `budget` points: past it (a page of
 * periodic lines, where every window starts a match), None, and the caller counts as
 * before. The definition is the Python's: a is inside when a occurs in a longer line. */
#define CONTAIN_K 60
static PyObject *contained_lines(PyObject *self, PyObject *args)
{
    PyObject *lines;
    Py_ssize_t budget;
    if (!PyArg_ParseTuple(args, "O!n", &PyList_Type, &lines, &budget)) return NULL;
    Py_ssize_t n = PyList_GET_SIZE(lines), slots = 16;
    while (slots < 2 * n) slots *= 2;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *line = PyList_GET_ITEM(lines, i);
        if (!PyUnicode_CheckExact(line) || PyUnicode_READY(line) < 0 || PyUnicode_GET_LENGTH(line) < CONTAIN_K) {
            PyErr_Clear();
            Py_RETURN_NONE;
        }
    }
    uint64_t *head_hash = PyMem_Malloc(sizeof(uint64_t) * (n + 1)), top = 1;  /* top: BASE ** (K - 1) */
    Py_ssize_t *table = PyMem_Malloc(sizeof(Py_ssize_t) * slots), *next = PyMem_Malloc(sizeof(Py_ssize_t) * (n + 1));
    char *inside = PyMem_Calloc(n + 1, 1), *holds = PyMem_Calloc(n + 1, 1);
    Py_ssize_t *seen_in = PyMem_Malloc(sizeof(Py_ssize_t) * (n + 1));  /* the last line a was found in */
    PyObject *result = NULL;
    if (!head_hash || !table || !next || !inside || !holds || !seen_in) { PyErr_NoMemory(); goto done; }
    const uint64_t BASE = 1000003u;
    for (int i = 1; i < CONTAIN_K; i++) top *= BASE;
    for (Py_ssize_t q = 0; q < slots; q++) table[q] = -1;
    for (Py_ssize_t a = 0; a < n; a++) {
        PyObject *line = PyList_GET_ITEM(lines, a);
        int kind = PyUnicode_KIND(line);
        const void *data = PyUnicode_DATA(line);
        uint64_t h = 0;
        for (Py_ssize_t i = 0; i < CONTAIN_K; i++) h = h * BASE + PyUnicode_READ(kind, data, i);
        head_hash[a] = h;
        seen_in[a] = -1;
        Py_ssize_t q = (Py_ssize_t)((h ^ (h >> 29)) & (uint64_t)(slots - 1));
        next[a] = table[q];  /* a chain per slot; the hashes compared on the way */
        table[q] = a;
    }
    for (Py_ssize_t b = 0; b < n; b++) {
        PyObject *line = PyList_GET_ITEM(lines, b);
        int kind = PyUnicode_KIND(line);
        const void *data = PyUnicode_DATA(line);
        Py_ssize_t len = PyUnicode_GET_LENGTH(line);
        uint64_t h = 0;
        for (Py_ssize_t i = 0; i < CONTAIN_K; i++) h = h * BASE + PyUnicode_READ(kind, data, i);
        for (Py_ssize_t pos = 0;; pos++) {
            for (Py_ssize_t a = table[(Py_ssize_t)((h ^ (h >> 29)) & (uint64_t)(slots - 1))]; a >= 0; a = next[a]) {
                if (head_hash[a] != h || seen_in[a] == b) continue;
                PyObject *other = PyList_GET_ITEM(lines, a);
                Py_ssize_t alen = PyUnicode_GET_LENGTH(other);
                if (alen >= len || pos + alen > len) continue;  /* not in a longer line here */
                int akind = PyUnicode_KIND(other);
                const void *adata = PyUnicode_DATA(other);
                Py_ssize_t i = 0;
                while (i < alen && PyUnicode_READ(akind, adata, i) == PyUnicode_READ(kind, data, pos + i)) i++;
                budget -= i + 1;
                if (budget < 0) { result = Py_None; Py_INCREF(result); goto done; }
                if (i == alen) { inside[a] = holds[b] = 1; seen_in[a] = b; }
            }
            if (pos + CONTAIN_K >= len) break;
            h = (h - top * PyUnicode_READ(kind, data, pos)) * BASE + PyUnicode_READ(kind, data, pos + CONTAIN_K);
        }
    }
    PyObject *in_list = PyList_New(0), *holds_list = PyList_New(0);
    if (!in_list || !holds_list) { Py_XDECREF(in_list); Py_XDECREF(holds_list); goto done; }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *index = (inside[i] || holds[i]) ? PyLong_FromSsize_t(i) : NULL;
        if ((inside[i] || holds[i]) && (!index || (inside[i] && PyList_Append(in_list, index) < 0) ||
                                         (holds[i] && PyList_Append(holds_list, index) < 0))) {
            Py_XDECREF(index); Py_DECREF(in_list); Py_DECREF(holds_list);
            goto done;
        }
        Py_XDECREF(index);
    }
    result = PyTuple_Pack(2, in_list, holds_list);
    Py_DECREF(in_list);
    Py_DECREF(holds_list);
done:
    PyMem_Free(head_hash); PyMem_Free(table); PyMem_Free(next); PyMem_Free(inside); PyMem_Free(holds);
    PyMem_Free(seen_in);
    return result;
}

/* blocks.gap_features and blocks.dense_features up to their log1p: numpy's cumulative sums,
 * accumulations and selections of a page's ~200 rows made in one pass each, the same double
 * operations in the same order (a cumulative sum from its first value, an int64 divided as a
 * double), so the same floats; the log1p calls stay numpy's, on arrays of the same dtype
 * (tests/test_speed_round23_classifier.py, bit for bit). gap_parts fills gap_len (int64),
 * gap_words, gap_end and the fewer prose words above or below (float64); dense_parts fills
 * inside, dist (int64) and the prose words between (float64, before np.maximum(0.0, .)) and
 * returns False for a page without prose (dense_features' early answer, left to it). */
static int buffers_n(Py_buffer *views, PyObject **objs, const char *formats, int count, Py_ssize_t n)
{
    for (int i = 0; i < count; i++) {
        int writable = formats[i] == 'w' || formats[i] == 'i';
        if (pc_buffer(&views[i], objs[i], n, formats[i] == 'i' ? "lq" : "d", writable) < 0) {
            while (--i >= 0) PyBuffer_Release(&views[i]);
            return -1;
        }
    }
    return 0;
}

static PyObject *gap_parts(PyObject *self, PyObject *args)
{
    PyObject *o[7];
    Py_ssize_t window;
    if (!PyArg_ParseTuple(args, "OOOnOOOO", &o[0], &o[1], &o[2], &window, &o[3], &o[4], &o[5], &o[6])) return NULL;
    Py_buffer v[7];
    Py_ssize_t n = PyObject_Length(o[0]);
    if (n < 0) return NULL;
    if (buffers_n(v, o, "rrriwww", 7, n) < 0) return NULL;
    const double *good = v[0].buf, *words = v[1].buf, *endp = v[2].buf;
    int64_t *gap_len = v[3].buf;
    double *gap_words = v[4].buf, *gap_end = v[5].buf, *fewer = v[6].buf;
    double *cw = PyMem_Malloc(sizeof(double) * 3 * ((size_t)n + 1));
    int64_t *prev = PyMem_Malloc(sizeof(int64_t) * 2 * ((size_t)n + 1));
    PyObject *result = NULL;
    if (!cw || !prev) { PyErr_NoMemory(); goto done; }
    double *ce = cw + n + 1, *gw = ce + n + 1;
    int64_t *next = prev + n + 1;
    cw[0] = ce[0] = gw[0] = 0.0;
    for (Py_ssize_t k = 0; k < n; k++) {
        double gwk = good[k] > 0 ? words[k] : 0.0;
        cw[k + 1] = k == 0 ? words[0] : cw[k] + words[k];
        ce[k + 1] = k == 0 ? endp[0] : ce[k] + endp[k];
        gw[k + 1] = k == 0 ? gwk : gw[k] + gwk;
        prev[k] = good[k] > 0 ? k : (k == 0 ? -1 : prev[k - 1]);
    }
    for (Py_ssize_t k = n - 1; k >= 0; k--) next[k] = good[k] > 0 ? k : (k == n - 1 ? n : next[k + 1]);
    for (Py_ssize_t k = 0; k < n; k++) {
        if (good[k] > 0) { gap_len[k] = 0; gap_words[k] = words[k]; gap_end[k] = endp[k]; }
        else {
            int64_t lo = prev[k] + 1, hi = next[k], cnt = hi - lo > 1 ? hi - lo : 1;
            gap_len[k] = next[k] - prev[k] - 1;
            gap_words[k] = (cw[hi] - cw[lo]) / (double)cnt;
            gap_end[k] = (ce[hi] - ce[lo]) / (double)cnt;
        }
        double above = gw[k] - gw[k - window > 0 ? k - window : 0];
        double below = gw[k + 1 + window < n ? k + 1 + window : n] - gw[k + 1];
        fewer[k] = (above <= below || isnan(above)) ? above : below;  /* np.minimum */
    }
    result = Py_None;
    Py_INCREF(result);
done:
    PyMem_Free(cw); PyMem_Free(prev);
    for (int i = 0; i < 7; i++) PyBuffer_Release(&v[i]);
    return result;
}

static PyObject *dense_parts(PyObject *self, PyObject *args)
{
    PyObject *o[6];
    Py_ssize_t half, line_words_cap;
    double share;
    if (!PyArg_ParseTuple(args, "OOOnndOOO", &o[0], &o[1], &o[2], &half, &line_words_cap, &share, &o[3], &o[4], &o[5]))
        return NULL;
    Py_buffer v[6];
    Py_ssize_t n = PyObject_Length(o[0]);
    if (n < 0) return NULL;
    if (buffers_n(v, o, "rrrwiw", 6, n) < 0) return NULL;
    const double *good = v[0].buf, *words = v[1].buf, *endp = v[2].buf;
    double *inside = v[3].buf, *between = v[5].buf;
    int64_t *dist = v[4].buf;
    double *c = PyMem_Malloc(sizeof(double) * (2 * (size_t)n + 1));
    PyObject *result = NULL;
    if (!c) { PyErr_NoMemory(); goto done; }
    double *dens = c + n + 1, cap = (double)line_words_cap;
    c[0] = 0.0;
    for (Py_ssize_t k = 0; k < n; k++) {
        double w = words[k];
        double pw = (good[k] > 0 || endp[k] > 0) ? ((w <= cap || isnan(w)) ? w : cap) : 0.0;  /* np.minimum */
        c[k + 1] = k == 0 ? pw : c[k] + pw;
    }
    double peak = 0.0;
    Py_ssize_t top = 0;
    for (Py_ssize_t k = 0; k < n; k++) {
        dens[k] = c[k + half + 1 < n ? k + half + 1 : n] - c[k - half > 0 ? k - half : 0];
        if (k == 0 || dens[k] > peak) { peak = dens[k]; top = k; }  /* max and the first argmax */
    }
    if (n == 0 || !(peak > 0)) { result = Py_False; Py_INCREF(result); goto done; }
    Py_ssize_t lo = top, hi = top;
    double bar = share * peak;
    while (lo > 0 && dens[lo - 1] >= bar) lo--;
    while (hi < n - 1 && dens[hi + 1] >= bar) hi++;
    for (Py_ssize_t k = 0; k < n; k++) {
        inside[k] = (k >= lo && k <= hi) ? 1.0 : 0.0;
        dist[k] = k < lo ? lo - k : (k > hi ? k - hi : 0);
        between[k] = k < lo ? c[lo] - c[k + 1 < n ? k + 1 : n] : (k > hi ? c[k] - c[hi + 1] : 0.0);
    }
    result = Py_True;
    Py_INCREF(result);
done:
    PyMem_Free(c);
    for (int i = 0; i < 6; i++) PyBuffer_Release(&v[i]);
    return result;
}

static PyMethodDef methods[] = {
    {"configure_row", configure_row, METH_VARARGS, "shape.py's sets and regexes for line_row"},
    {"line_row", line_row, METH_VARARGS, "shape.line_shape's row, or None for a mostly CJK line"},
    {"overlap_hits", overlap_hits, METH_VARARGS, "blocks._overlap's hits per line"},
    {"run_hits", run_hits, METH_VARARGS, "blocks.cohesion_features' page overlap hits per line"},
    {"cohesion_hits", cohesion_hits, METH_VARARGS, "overlap_hits of the core and the lead lines and run_hits, at once"},
    {"record_where", record_where, METH_VARARGS, "blocks.record_features' signature -> line numbers"},
    {"signatures", signatures, METH_O, "blocks._signatures(masked): the head and tail record signatures"},
    {"ascii_forms", ascii_forms, METH_VARARGS, "lexicon.LineForms' spaced, folded and low forms of an ASCII line"},
    {"words", words, METH_O, "tuple(re.findall(r'\\w+', s))"},
    {"class_counts", class_counts, METH_O, "shape._class_counts(texts).tolist()"},
    {"char_bits", char_bits, METH_O, "shape._char_bits(chr(code point))"},
    {"predicates", predicates, METH_O, "the regex classes of one code point (tests)"},
    {"line_parts", line_parts, METH_VARARGS, "the integers of shape.line_shape"},
    {"count_dateish", count_dateish, METH_VARARGS, "len(shape._DATEISH.findall(s)), given _DATEISH.match"},
    {"count_stops", count_stops, METH_VARARGS, "the casefolded words in a stoplist (lineshape)"},
    {"content_set", content_set, METH_O, "blocks._content_set(text)"},
    {"content_without", content_without, METH_VARARGS, "blocks._content_without(text, stop)"},
    {"bullet_end", py_bullet_end, METH_O, "the end of shape._BULLET.match(s), or -1"},
    {"counts", py_counts, METH_O, "(len(_SENT.findall(s)), len(_SEPS.findall(s)))"},
    {"mask_digits", mask_digits, METH_O, "re.sub(r'\\d+', '0', s)"},
    {"norm_tail", norm_tail, METH_VARARGS, "shape.norm_and_shape after its NFKC test"},
    {"configure_basics", configure_basics, METH_VARARGS, "lineshape._ends_sentence's sets for line_basics"},
    {"line_basics", line_basics, METH_VARARGS, "lineshape.shape_line's stopword count, sentence end and scripts"},
    {"scripts", scripts, METH_VARARGS, "language.script_letters(s) over a lazily filled table"},
    {"ngrams", ngrams, METH_VARARGS, "set(map(' '.join, zip(*[words[i:] for i in range(size)])))"},
    {"max_subarray", max_subarray, METH_O, "features._max_subarray over a float64 buffer"},
    {"configure_forms", configure_forms, METH_VARARGS, "LineForms' edge punctuation, words_of and _casefree"},
    {"page_columns", page_columns, METH_VARARGS, "features.Page's registry columns but the block features (False: not done)"},
    {"cohesion_columns", cohesion_columns, METH_VARARGS, "blocks.cohesion_and_lead's six arrays from the hits"},
    {"contained_lines", contained_lines, METH_VARARGS, "containment's sets over distinct long lines (None: over budget)"},
    {"gap_parts", gap_parts, METH_VARARGS, "blocks.gap_features before its log1p"},
    {"dense_parts", dense_parts, METH_VARARGS, "blocks.dense_features before its log1p (False: no prose)"},
    {"fill_rows", fill_rows, METH_VARARGS, "features.Page's shape matrix from its lines' rows (False: not done)"},
    {"word_rows", word_rows, METH_VARARGS, "language._word_rows' rows for a word with no position skipped"},
    {"running_rule", running_rule, METH_NOARGS, "the match of the rule whose regex a LexiconMatcher is searching, or None"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_shape", "A line's shape: per-character loops in C.", -1,
                                    methods};

PyMODINIT_FUNC PyInit__shape(void)
{
    fill_bmp();
    if (PyType_Ready(&LiteralFinderType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m) return NULL;
    Py_INCREF(&LiteralFinderType);
    if (PyModule_AddObject(m, "LiteralFinder", (PyObject *)&LiteralFinderType) < 0) {
        Py_DECREF(&LiteralFinderType);
        Py_DECREF(m);
        return NULL;
    }
    Py_INCREF(&LiteralCandidatesType);
    if (PyType_Ready(&LiteralCandidatesType) < 0 ||
        PyModule_AddObject(m, "LiteralCandidates", (PyObject *)&LiteralCandidatesType) < 0) {
        Py_DECREF(&LiteralCandidatesType);
        Py_DECREF(m);
        return NULL;
    }
    Py_INCREF(&LineFormsType);
    if (PyType_Ready(&LineFormsType) < 0 || PyModule_AddObject(m, "LineForms", (PyObject *)&LineFormsType) < 0) {
        Py_DECREF(&LineFormsType);
        Py_DECREF(m);
        return NULL;
    }
    Py_INCREF(&LexiconMatcherType);
    if (PyType_Ready(&LexiconMatcherType) < 0 ||
        PyModule_AddObject(m, "LexiconMatcher", (PyObject *)&LexiconMatcherType) < 0) {
        Py_DECREF(&LexiconMatcherType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
