/* The output's JSON text in C (pipeline/write.py's to_json and write_json).

   encode(value, strict): the UTF-8 bytes of
       json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1) + "\n"
   or None when this encoder leaves the value to json.dumps: a type other than exactly
   dict, list, tuple, str, int, float, bool or None (a subclass too), a dict key that is
   not exactly a str, or nesting deeper than MAX_DEPTH (json.dumps then does what it
   does: a circular reference is its ValueError, a non-str key its own text or its
   TypeError). With `strict` true a str holding a lone surrogate gives None too (the
   caller's str.encode("utf-8") then refuses it as before); with `strict` false a
   surrogate is written as the "surrogatepass" error handler writes it, so
   bytes.decode("utf-8", "surrogatepass") gives json.dumps' very str.

   The rules are json's (Lib/json/encoder.py and Modules/_json.c, ensure_ascii=False):
   a str in double quotes with `"`, `\`, \b \f \n \r \t escaped as two characters and
   the other characters below U+0020 as \u00xx (lower-case hex), every other character
   as it is; an int as int.__repr__; a float as float.__repr__ (PyOS_double_to_string,
   'r', with ".0" added), NaN, Infinity, -Infinity; true, false, null; a dict's items
   in the order of its keys sorted (the keys are distinct, so sorted(items) is their
   order), "{" and a line break, the indent, the key, ": ", the value, "," between
   items, a line break and the outer indent before "}"; a list or tuple likewise in
   "[ ]"; an empty container as {} or []. Indent: one space a level.

   No Python code runs while a value is written (str sorting and int/float repr are
   C), so the borrowed items cannot change under it. tests/test_jsonout_kernel.py checks
   it equal to json.dumps on every shipped output and on random and adversarial values. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <string.h>

#define MAX_DEPTH 200

typedef struct {
    char *buf;
    Py_ssize_t len, cap;
    int strict;
    int surrogate; /* strict and a surrogate seen: give None */
} Out;

enum { OK = 0, FAIL = -1, LEAVE = 1 }; /* FAIL: a Python error is set; LEAVE: json.dumps's */

static int grow(Out *o, Py_ssize_t more) {
    Py_ssize_t need = o->len + more;
    if (need <= o->cap) return OK;
    Py_ssize_t cap = o->cap ? o->cap : 4096;
    while (cap < need) {
        if (cap > PY_SSIZE_T_MAX / 2) {
            PyErr_NoMemory();
            return FAIL;
        }
        cap *= 2;
    }
    char *buf = PyMem_Realloc(o->buf, (size_t)cap);
    if (buf == NULL) {
        PyErr_NoMemory();
        return FAIL;
    }
    o->buf = buf;
    o->cap = cap;
    return OK;
}

static inline int put(Out *o, const char *s, Py_ssize_t n) {
    if (o->len + n > o->cap && grow(o, n) != OK) return FAIL;
    memcpy(o->buf + o->len, s, (size_t)n);
    o->len += n;
    return OK;
}

/* A line break and `depth` spaces. */
static int newline(Out *o, int depth) {
    if (o->len + 1 + depth > o->cap && grow(o, 1 + depth) != OK) return FAIL;
    o->buf[o->len++] = '\n';
    memset(o->buf + o->len, ' ', (size_t)depth);
    o->len += depth;
    return OK;
}

static const char HEX[] = "0123456789abcdef";

/* Room for one character's escape (6 bytes) or UTF-8 (at most 4). */
static inline char *escape_ascii(char *p, Py_UCS4 c) {
    *p++ = '\\';
    switch (c) {
        case '"': *p++ = '"'; break;
        case '\\': *p++ = '\\'; break;
        case '\b': *p++ = 'b'; break;
        case '\f': *p++ = 'f'; break;
        case '\n': *p++ = 'n'; break;
        case '\r': *p++ = 'r'; break;
        case '\t': *p++ = 't'; break;
        default:
            *p++ = 'u';
            *p++ = '0';
            *p++ = '0';
            *p++ = HEX[(c >> 4) & 0xf];
            *p++ = HEX[c & 0xf];
    }
    return p;
}

#define NEEDS_ESCAPE(c) ((c) < 0x20 || (c) == '"' || (c) == '\\')

static int put_str(Out *o, PyObject *s) {
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(s) < 0) return FAIL; /* a legacy str made by the old Py_UNICODE calls */
#endif
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    /* at most 6 bytes a character (an escape), and the quotes */
    if (n > (PY_SSIZE_T_MAX - 2) / 6) {
        PyErr_NoMemory();
        return FAIL;
    }
    if (grow(o, 6 * n + 2) != OK) return FAIL;
    char *p = o->buf + o->len;
    *p++ = '"';
    if (PyUnicode_IS_ASCII(s)) {
        const unsigned char *a = (const unsigned char *)data;
        Py_ssize_t start = 0;
        for (Py_ssize_t i = 0; i < n; i++) {
            unsigned char c = a[i];
            if (NEEDS_ESCAPE(c)) {
                memcpy(p, a + start, (size_t)(i - start));
                p += i - start;
                p = escape_ascii(p, c);
                start = i + 1;
            }
        }
        memcpy(p, a + start, (size_t)(n - start));
        p += n - start;
    } else {
        for (Py_ssize_t i = 0; i < n; i++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, i);
            if (c < 0x80) {
                if (NEEDS_ESCAPE(c))
                    p = escape_ascii(p, c);
                else
                    *p++ = (char)c;
            } else if (c < 0x800) {
                *p++ = (char)(0xc0 | (c >> 6));
                *p++ = (char)(0x80 | (c & 0x3f));
            } else if (c < 0x10000) {
                if (c >= 0xd800 && c <= 0xdfff && o->strict) {
                    o->surrogate = 1;
                    return LEAVE;
                }
                *p++ = (char)(0xe0 | (c >> 12));
                *p++ = (char)(0x80 | ((c >> 6) & 0x3f));
                *p++ = (char)(0x80 | (c & 0x3f));
            } else {
                *p++ = (char)(0xf0 | (c >> 18));
                *p++ = (char)(0x80 | ((c >> 12) & 0x3f));
                *p++ = (char)(0x80 | ((c >> 6) & 0x3f));
                *p++ = (char)(0x80 | (c & 0x3f));
            }
        }
    }
    *p++ = '"';
    o->len = p - o->buf;
    return OK;
}

/* An ASCII str made by a repr (int.__repr__ of a big int, float.__repr__). */
static int put_repr(Out *o, PyObject *text) {
    if (text == NULL) return FAIL;
    Py_ssize_t n;
    const char *s = PyUnicode_AsUTF8AndSize(text, &n);
    int r = s == NULL ? FAIL : put(o, s, n);
    Py_DECREF(text);
    return r;
}

static int put_int(Out *o, PyObject *v) {
    int overflow = 0;
    long long x = PyLong_AsLongLongAndOverflow(v, &overflow);
    if (x == -1 && PyErr_Occurred()) return FAIL;
    if (overflow) return put_repr(o, PyLong_Type.tp_repr(v));
    char digits[24];
    char *end = digits + sizeof digits, *p = end;
    unsigned long long u = x < 0 ? 0ULL - (unsigned long long)x : (unsigned long long)x;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (x < 0) *--p = '-';
    return put(o, p, end - p);
}

static int put_float(Out *o, PyObject *v) {
    double d = PyFloat_AS_DOUBLE(v);
    if (isnan(d)) return put(o, "NaN", 3);
    if (isinf(d)) return d > 0 ? put(o, "Infinity", 8) : put(o, "-Infinity", 9);
    char *text = PyOS_double_to_string(d, 'r', 0, Py_DTSF_ADD_DOT_0, NULL);
    if (text == NULL) return FAIL;
    int r = put(o, text, (Py_ssize_t)strlen(text));
    PyMem_Free(text);
    return r;
}

static int put_value(Out *o, PyObject *v, int depth);

static int put_dict(Out *o, PyObject *d, int depth) {
    if (PyDict_GET_SIZE(d) == 0) return put(o, "{}", 2);
    PyObject *keys = PyDict_Keys(d);
    if (keys == NULL) return FAIL;
    Py_ssize_t n = PyList_GET_SIZE(keys);
    int r = OK;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!PyUnicode_CheckExact(PyList_GET_ITEM(keys, i))) {
            r = LEAVE;
            goto done;
        }
    }
    if (PyList_Sort(keys) < 0) {
        r = FAIL;
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *key = PyList_GET_ITEM(keys, i);
        PyObject *item = PyDict_GetItemWithError(d, key);
        if (item == NULL) {
            r = PyErr_Occurred() ? FAIL : LEAVE;
            goto done;
        }
        if ((r = put(o, i ? "," : "{", 1)) != OK) goto done;
        if ((r = newline(o, depth + 1)) != OK) goto done;
        if ((r = put_str(o, key)) != OK) goto done;
        if ((r = put(o, ": ", 2)) != OK) goto done;
        if ((r = put_value(o, item, depth + 1)) != OK) goto done;
    }
    if ((r = newline(o, depth)) != OK) goto done;
    r = put(o, "}", 1);
done:
    Py_DECREF(keys);
    return r;
}

static int put_sequence(Out *o, PyObject *seq, int depth) {
    int is_list = PyList_CheckExact(seq);
    Py_ssize_t n = is_list ? PyList_GET_SIZE(seq) : PyTuple_GET_SIZE(seq);
    if (n == 0) return put(o, "[]", 2);
    int r;
    for (Py_ssize_t i = 0; i < (is_list ? PyList_GET_SIZE(seq) : n); i++) {
        PyObject *item = is_list ? PyList_GET_ITEM(seq, i) : PyTuple_GET_ITEM(seq, i);
        if ((r = put(o, i ? "," : "[", 1)) != OK) return r;
        if ((r = newline(o, depth + 1)) != OK) return r;
        if ((r = put_value(o, item, depth + 1)) != OK) return r;
    }
    if ((r = newline(o, depth)) != OK) return r;
    return put(o, "]", 1);
}

static int put_value(Out *o, PyObject *v, int depth) {
    if (PyUnicode_CheckExact(v)) return put_str(o, v);
    if (v == Py_None) return put(o, "null", 4);
    if (v == Py_True) return put(o, "true", 4);
    if (v == Py_False) return put(o, "false", 5);
    if (PyLong_CheckExact(v)) return put_int(o, v);
    if (PyFloat_CheckExact(v)) return put_float(o, v);
    if (depth >= MAX_DEPTH) return LEAVE;
    if (PyDict_CheckExact(v)) return put_dict(o, v, depth);
    if (PyList_CheckExact(v) || PyTuple_CheckExact(v)) return put_sequence(o, v, depth);
    return LEAVE;
}

static PyObject *encode(PyObject *self, PyObject *args) {
    PyObject *value;
    int strict = 1;
    if (!PyArg_ParseTuple(args, "O|p:encode", &value, &strict)) return NULL;
    Out o = {NULL, 0, 0, strict, 0};
    int r = put_value(&o, value, 0);
    if (r == OK) r = put(&o, "\n", 1);
    PyObject *result = NULL;
    if (r == OK)
        result = PyBytes_FromStringAndSize(o.buf, o.len);
    else if (r == LEAVE)
        result = Py_NewRef(Py_None);
    PyMem_Free(o.buf);
    return result;
}

static PyMethodDef METHODS[] = {
    {"encode", encode, METH_VARARGS,
     "encode(value, strict=True) -> the UTF-8 bytes of json.dumps(value, ensure_ascii=False, "
     "sort_keys=True, indent=1) + '\\n', or None where json.dumps is left to write it."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef MODULE = {PyModuleDef_HEAD_INIT, "_jsonout",
                                    "The output's JSON text in C (pipeline/write.py).", -1, METHODS};

PyMODINIT_FUNC PyInit__jsonout(void) { return PyModule_Create(&MODULE); }
