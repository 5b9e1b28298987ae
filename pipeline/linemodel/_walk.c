/* The line model's tree walk in C (optional: forest.py falls back to its numpy walk when
 * this module is not built, or when `Walk` refuses the tables).  Root-to-leaf walks over
 * the forest's node tables, packed once, from the numpy arrays forest.py passes (read
 * through the buffer protocol, so no numpy headers are needed to build it).  The same
 * floats as the numpy walk: a row's score adds the leaf values tree by tree from the
 * baseline, and its contributions add each path step's amount in (tree, depth) order from
 * 0.0, as np.add.accumulate and np.bincount do there (tests/test_linemodel.py compares the
 * two bit for bit). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

/* A buffer of `count` items of `size` bytes, C-contiguous, writable if asked. */
static int get(PyObject *obj, Py_buffer *view, Py_ssize_t size, Py_ssize_t count, int writable, const char *name)
{
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | (writable ? PyBUF_WRITABLE : 0)) < 0)
        return -1;
    if (view->itemsize != size || view->len != size * count) {
        PyErr_Format(PyExc_ValueError, "_walk: %s has the wrong item size or length", name);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

/* Each buffer got is counted, so `done` releases exactly those. */
#define GET(call) do { if ((call) < 0) goto done; got++; } while (0)

/* How many items of `itemsize` bytes the contiguous buffer of `o` holds (-1 on error). */
static Py_ssize_t items_of(PyObject *o, Py_ssize_t itemsize)
{
    Py_buffer b;
    if (PyObject_GetBuffer(o, &b, PyBUF_C_CONTIGUOUS) < 0) return -1;
    Py_ssize_t n = b.len / itemsize;
    PyBuffer_Release(&b);
    return n;
}

/* Walk(feature, threshold, missing_left, left, right, leaf, root, leaf_value[, path_start,
 * path_len, path_feature, path_amount]): per node, feature int32, threshold float64,
 * missing_left uint8, left/right child int32, leaf int32 (its leaf number, -1 for a
 * split); root int32 per tree; leaf_value float64 per leaf; per leaf, path_start and
 * path_len int64; per path step, path_feature int64 and path_amount float64. Packed once
 * into one record a split node, read by its methods `leaves` and `contributions`. A record holds the node's threshold and feature and the three ways on (left,
 * right, and where a missing value goes), each as the child's node index, or as ~leaf
 * number where the child is a leaf, so the walk reads one record a step and stops at a
 * negative code: the same comparisons in the same order as a plain walk (a value v goes left
 * iff v <= threshold, a NaN where missing_left says), so the same leaf and the same floats.
 * Tables with a split child not after its parent (a path could loop) or an index out of
 * range are refused (ValueError): forest.py then walks with numpy. */
#define LANES 16  /* rows walked side by side (Walk.leaves) */

typedef struct {
    double thr;
    int32_t feat;
    int32_t kid[3];   /* [0]: v <= thr, [1]: not (v > thr), [2]: v is NaN */
} PNode;

typedef struct {
    PyObject_HEAD
    PNode *nodes;
    int32_t *root;   /* per tree: a code as the kids' */
    double *value;   /* per leaf */
    Py_ssize_t n_nodes, n_trees, n_leaves;
    int32_t max_feat;  /* -1: no split */
    /* the contributions' path steps (optional: NULL when not given) */
    int64_t *path_start, *path_len, *path_feature;
    double *path_amount;
    Py_ssize_t n_steps;
    int64_t max_path_feat;  /* -1: no step */
    PyObject *args;  /* for pickling */
} Walk;

static void walk_dealloc(Walk *w)
{
    PyMem_Free(w->nodes);
    PyMem_Free(w->root);
    PyMem_Free(w->value);
    PyMem_Free(w->path_start);
    PyMem_Free(w->path_len);
    PyMem_Free(w->path_feature);
    PyMem_Free(w->path_amount);
    Py_XDECREF(w->args);
    Py_TYPE(w)->tp_free((PyObject *)w);
}

static PyObject *walk_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *ofeat, *othr, *oml, *oleft, *oright, *oleaf, *oroot, *ovalue;
    PyObject *ostart = NULL, *olen = NULL, *opfeat = NULL, *oamount = NULL;
    if (kwds != NULL && PyDict_GET_SIZE(kwds)) {
        PyErr_SetString(PyExc_TypeError, "Walk takes no keyword arguments");
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "OOOOOOOO|OOOO", &ofeat, &othr, &oml, &oleft, &oright, &oleaf, &oroot, &ovalue,
                          &ostart, &olen, &opfeat, &oamount))
        return NULL;
    if (ostart != NULL && oamount == NULL) {
        PyErr_SetString(PyExc_TypeError, "Walk: the four path tables, or none");
        return NULL;
    }
    Py_buffer bfeat, bthr, bml, bleft, bright, bleaf, broot, bvalue, bstart, blen, bpfeat, bamount;
    Py_buffer *all[] = {&bfeat, &bthr, &bml, &bleft, &bright, &bleaf, &broot, &bvalue, &bstart, &blen, &bpfeat,
                        &bamount};
    int got = 0;
    Walk *w = NULL;
    Py_ssize_t n_nodes = items_of(ofeat, 4);
    if (n_nodes < 0) return NULL;
    Py_ssize_t n_trees = items_of(oroot, 4);
    if (n_trees < 0) return NULL;
    Py_ssize_t n_leaves = items_of(ovalue, 8);
    if (n_leaves < 0) return NULL;
    if (n_nodes > INT32_MAX / 2 || n_leaves > INT32_MAX / 2) {
        PyErr_SetString(PyExc_ValueError, "_walk.Walk: tables too large");
        return NULL;
    }
    GET(get(ofeat, &bfeat, 4, n_nodes, 0, "feature"));
    GET(get(othr, &bthr, 8, n_nodes, 0, "threshold"));
    GET(get(oml, &bml, 1, n_nodes, 0, "missing_left"));
    GET(get(oleft, &bleft, 4, n_nodes, 0, "left"));
    GET(get(oright, &bright, 4, n_nodes, 0, "right"));
    GET(get(oleaf, &bleaf, 4, n_nodes, 0, "leaf"));
    GET(get(oroot, &broot, 4, n_trees, 0, "root"));
    GET(get(ovalue, &bvalue, 8, n_leaves, 0, "leaf_value"));
    Py_ssize_t n_steps = 0;
    if (ostart != NULL) {
        n_steps = items_of(opfeat, 8);
        if (n_steps < 0) goto done;
        GET(get(ostart, &bstart, 8, n_leaves, 0, "path_start"));
        GET(get(olen, &blen, 8, n_leaves, 0, "path_len"));
        GET(get(opfeat, &bpfeat, 8, n_steps, 0, "path_feature"));
        GET(get(oamount, &bamount, 8, n_steps, 0, "path_amount"));
    }
    {
        const double *thr = bthr.buf;
        const int32_t *feat = bfeat.buf, *left = bleft.buf, *right = bright.buf, *leaf = bleaf.buf, *root = broot.buf;
        const uint8_t *ml = bml.buf;
        w = (Walk *)type->tp_alloc(type, 0);
        if (w == NULL) goto done;
        w->nodes = PyMem_Malloc(sizeof(PNode) * (n_nodes ? n_nodes : 1));
        w->root = PyMem_Malloc(sizeof(int32_t) * (n_trees ? n_trees : 1));
        w->value = PyMem_Malloc(sizeof(double) * (n_leaves ? n_leaves : 1));
        if (w->nodes == NULL || w->root == NULL || w->value == NULL) {
            PyErr_NoMemory();
            Py_CLEAR(w);
            goto done;
        }
        w->n_nodes = n_nodes;
        w->n_trees = n_trees;
        w->n_leaves = n_leaves;
        w->max_feat = -1;
        memcpy(w->value, bvalue.buf, sizeof(double) * n_leaves);
#define CODE(i) (leaf[i] >= 0 ? ~leaf[i] : (int32_t)(i))
        for (Py_ssize_t i = 0; i < n_nodes; i++) {
            PNode *p = &w->nodes[i];
            memset(p, 0, sizeof(PNode));
            if (leaf[i] >= n_leaves) goto refuse;
            if (leaf[i] >= 0) continue;
            if (feat[i] < 0 || left[i] <= i || left[i] >= n_nodes || right[i] <= i || right[i] >= n_nodes)
                goto refuse;  /* a child not after its parent: refused, so every walk ends */
            p->thr = thr[i];
            p->feat = feat[i];
            if (feat[i] > w->max_feat) w->max_feat = feat[i];
            p->kid[0] = CODE(left[i]);
            p->kid[1] = CODE(right[i]);
            p->kid[2] = ml[i] ? p->kid[0] : p->kid[1];
        }
        for (Py_ssize_t t = 0; t < n_trees; t++) {
            if (root[t] < 0 || root[t] >= n_nodes) goto refuse;
            w->root[t] = CODE(root[t]);
        }
#undef CODE
        w->n_steps = n_steps;
        w->max_path_feat = -1;
        if (ostart != NULL) {
            const int64_t *start = bstart.buf, *len = blen.buf, *pfeat = bpfeat.buf;
            w->path_start = PyMem_Malloc(sizeof(int64_t) * (n_leaves ? n_leaves : 1));
            w->path_len = PyMem_Malloc(sizeof(int64_t) * (n_leaves ? n_leaves : 1));
            w->path_feature = PyMem_Malloc(sizeof(int64_t) * (n_steps ? n_steps : 1));
            w->path_amount = PyMem_Malloc(sizeof(double) * (n_steps ? n_steps : 1));
            if (w->path_start == NULL || w->path_len == NULL || w->path_feature == NULL || w->path_amount == NULL) {
                PyErr_NoMemory();
                Py_CLEAR(w);
                goto done;
            }
            for (Py_ssize_t l = 0; l < n_leaves; l++)
                if (start[l] < 0 || len[l] < 0 || start[l] > n_steps || len[l] > n_steps - start[l]) goto refuse;
            for (Py_ssize_t k = 0; k < n_steps; k++) {
                if (pfeat[k] < 0) goto refuse;
                if (pfeat[k] > w->max_path_feat) w->max_path_feat = pfeat[k];
            }
            memcpy(w->path_start, start, sizeof(int64_t) * n_leaves);
            memcpy(w->path_len, len, sizeof(int64_t) * n_leaves);
            memcpy(w->path_feature, pfeat, sizeof(int64_t) * n_steps);
            memcpy(w->path_amount, bamount.buf, sizeof(double) * n_steps);
        }
        w->args = args;
        Py_INCREF(args);
        goto done;
    refuse:
        PyErr_SetString(PyExc_ValueError, "_walk.Walk: a node out of range or a child before its parent");
        Py_CLEAR(w);
    }
done:
    for (int i = 0; i < got; i++)
        PyBuffer_Release(all[i]);
    return (PyObject *)w;
}

/* Walk.leaves(x, n_rows, n_features, baseline, leaves_out, scores_out): x float64 n_rows x
 * n_features; out: each row's leaf per tree (int64 n_rows x n_trees), its score (float64). */
static PyObject *walk_walk_leaves(Walk *w, PyObject *args)
{
    PyObject *ox, *oleaves, *oscores;
    Py_ssize_t n, nf;
    double baseline;
    if (!PyArg_ParseTuple(args, "OnndOO", &ox, &n, &nf, &baseline, &oleaves, &oscores))
        return NULL;
    if (n < 0 || nf < 0 || w->max_feat >= nf) {
        PyErr_SetString(PyExc_ValueError, "_walk.Walk.leaves: fewer features than the splits read");
        return NULL;
    }
    Py_buffer bx, bleaves, bscores;
    Py_buffer *all[] = {&bx, &bleaves, &bscores};
    int got = 0;
    PyObject *result = NULL;
    Py_ssize_t n_trees = w->n_trees;
    GET(get(ox, &bx, 8, n * nf, 0, "x"));
    GET(get(oleaves, &bleaves, 8, n * n_trees, 1, "leaves_out"));
    GET(get(oscores, &bscores, 8, n, 1, "scores_out"));
    {
        const double *x = bx.buf, *value = w->value;
        const PNode *nodes = w->nodes;
        const int32_t *root = w->root;
        int64_t *leaves = bleaves.buf;
        double *scores = bscores.buf;
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t r = 0; r < n; r++) scores[r] = baseline;
        /* LANES rows walk a tree side by side, a step each in turn until all are at their
         * leaves: one row's walk is a chain of dependent loads (node, then its feature's
         * value, then the next node), so the processor overlaps the lanes' chains (about
         * twice the instructions of one row at a time, 30 % less time: docs/speed.md,
         * twenty-first round). Each row meets the same nodes and leaf as alone, and adds its
         * leaf values tree by tree: the same floats. The rows past the last whole group
         * walk one at a time. */
        const Py_ssize_t laned = n - n % LANES;
        for (Py_ssize_t t = 0; t < n_trees; t++) {
            const int32_t start = root[t];
            for (Py_ssize_t r = 0; r < laned; r += LANES) {
                int32_t code[LANES];
                const double *row[LANES];
                for (int j = 0; j < LANES; j++) {
                    code[j] = start;
                    row[j] = x + (r + j) * nf;
                }
                int more = start >= 0;
                while (more) {
                    more = 0;
                    for (int j = 0; j < LANES; j++) {
                        const int32_t c = code[j];
                        if (c < 0) continue;  /* at its leaf */
                        const PNode *p = nodes + c;
                        const double v = row[j][p->feat];
                        /* 0: v <= thr; 1: v > thr; 2: NaN (not <=, and not equal to itself) */
                        const int32_t next = p->kid[!(v <= p->thr) + (v != v)];
                        code[j] = next;
                        more |= next >= 0;
                    }
                }
                for (int j = 0; j < LANES; j++) {
                    int32_t found = ~code[j];
                    leaves[(r + j) * n_trees + t] = found;
                    scores[r + j] += value[found];
                }
            }
            for (Py_ssize_t r = laned; r < n; r++) {
                const double *row = x + r * nf;
                int32_t code = start;
                while (code >= 0) {
                    const PNode *p = nodes + code;
                    double v = row[p->feat];
                    code = p->kid[!(v <= p->thr) + (v != v)];
                }
                int32_t found = ~code;
                leaves[r * n_trees + t] = found;
                scores[r] += value[found];
            }
        }
        Py_END_ALLOW_THREADS
        result = Py_None;
        Py_INCREF(result);
    }
done:
    for (int i = 0; i < got; i++)
        PyBuffer_Release(all[i]);
    return result;
}

/* Walk.contributions(leaves, n_rows, out, n_features): leaves int64 n_rows x n_trees (from
 * `leaves`), out float64 n_rows x n_features, zeros; each row's path steps added in (tree,
 * depth) order over the path tables given to Walk (checked once there). */
static PyObject *walk_walk_contributions(Walk *w, PyObject *args)
{
    PyObject *oleaves, *oout;
    Py_ssize_t n, nf;
    if (!PyArg_ParseTuple(args, "OnOn", &oleaves, &n, &oout, &nf))
        return NULL;
    if (w->path_start == NULL) {
        PyErr_SetString(PyExc_ValueError, "_walk.Walk.contributions: made without the path tables");
        return NULL;
    }
    if (n < 0 || nf < 0 || w->max_path_feat >= nf) {
        PyErr_SetString(PyExc_ValueError, "_walk.Walk.contributions: fewer features than the paths read");
        return NULL;
    }
    Py_ssize_t n_trees = w->n_trees;
    Py_buffer bleaves, bout;
    Py_buffer *all[] = {&bleaves, &bout};
    int got = 0, bad = 0;
    PyObject *result = NULL;
    GET(get(oleaves, &bleaves, 8, n * n_trees, 0, "leaves"));
    GET(get(oout, &bout, 8, n * nf, 1, "out"));
    {
        const int64_t *leaves = bleaves.buf, *start = w->path_start, *len = w->path_len, *feat = w->path_feature;
        const double *amount = w->path_amount;
        const uint64_t n_leaves = (uint64_t)w->n_leaves;
        double *out = bout.buf;
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t r = 0; r < n && !bad; r++) {
            double *row = out + r * nf;
            const int64_t *lv = leaves + r * n_trees;
            for (Py_ssize_t t = 0; t < n_trees; t++) {
                if ((uint64_t)lv[t] >= n_leaves) {  /* checked as read: the paths were checked in Walk */
                    bad = 1;
                    break;
                }
                int64_t k = start[lv[t]], end = k + len[lv[t]];
                for (; k < end; k++)
                    row[feat[k]] += amount[k];
            }
        }
        Py_END_ALLOW_THREADS
        if (bad) {
            PyErr_SetString(PyExc_ValueError, "_walk: a leaf out of range");
            goto done;
        }
        result = Py_None;
        Py_INCREF(result);
    }
done:
    for (int i = 0; i < got; i++)
        PyBuffer_Release(all[i]);
    return result;
}

static PyObject *walk_reduce(Walk *w, PyObject *unused)
{
    return Py_BuildValue("(OO)", (PyObject *)Py_TYPE(w), w->args);
}

static PyMethodDef walk_type_methods[] = {
    {"leaves", (PyCFunction)walk_walk_leaves, METH_VARARGS, "Each row's leaf per tree and raw score (see forest.py)."},
    {"contributions", (PyCFunction)walk_walk_contributions, METH_VARARGS,
     "Each row's per-feature contributions (see forest.py)."},
    {"__reduce__", (PyCFunction)walk_reduce, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject WalkType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "pipeline.linemodel._walk.Walk",
    .tp_basicsize = sizeof(Walk),
    .tp_dealloc = (destructor)walk_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The forest's node tables packed for the walk (see forest.py).",
    .tp_methods = walk_type_methods,
    .tp_new = walk_new,
};

/* reasons.top_reasons(contrib, body, names) past its phrase table: per row, the features
 * in numpy's stable argsort order of where(eligible, -abs(contrib), inf) (the largest
 * |contribution| first, the lower feature number first among equals), eligible ones only
 * (non-zero, on the row's side), picked one at a time instead of sorting the row: the first
 * three distinct phrases that are not None, or ("body",) / ("chrome",). A row holding a NaN
 * (numpy sorts it after the infs) returns None for the whole call: the Python then. */
static PyObject *top_reasons(PyObject *self, PyObject *args)
{
    PyObject *contrib_o, *body, *body_phrase, *chrome_phrase, *word_body, *word_chrome;
    if (!PyArg_ParseTuple(args, "OO!O!O!UU", &contrib_o, &PyList_Type, &body, &PyList_Type, &body_phrase,
                          &PyList_Type, &chrome_phrase, &word_body, &word_chrome))
        return NULL;
    Py_ssize_t rows = PyList_GET_SIZE(body), F = PyList_GET_SIZE(body_phrase);
    if (PyList_GET_SIZE(chrome_phrase) != F) {
        PyErr_SetString(PyExc_ValueError, "_walk.top_reasons: phrase lists of different lengths");
        return NULL;
    }
    Py_buffer view;
    if (get(contrib_o, &view, sizeof(double), rows * F, 0, "contrib") < 0) return NULL;
    const double *c = (const double *)view.buf;
    PyObject *out = NULL;
    for (Py_ssize_t i = 0; i < rows * F; i++)
        if (isnan(c[i])) { PyBuffer_Release(&view); Py_RETURN_NONE; }
    unsigned char *taken = PyMem_Malloc(F + 1);
    if (!taken) { PyBuffer_Release(&view); return PyErr_NoMemory(); }
    out = PyList_New(rows);
    if (!out) goto fail;
    for (Py_ssize_t r = 0; r < rows; r++) {
        const double *row = c + r * F;
        int is_body = PyObject_IsTrue(PyList_GET_ITEM(body, r));
        if (is_body < 0) goto fail;
        PyObject *phrases = is_body ? body_phrase : chrome_phrase, *reasons[3];
        int found = 0;
        for (Py_ssize_t j = 0; j < F; j++)
            taken[j] = !(row[j] != 0 && ((row[j] > 0) == is_body));  /* not eligible: never picked */
        while (found < 3) {
            Py_ssize_t best = -1;
            double best_abs = 0.0;
            for (Py_ssize_t j = 0; j < F; j++)
                if (!taken[j] && (best < 0 || fabs(row[j]) > best_abs)) { best = j; best_abs = fabs(row[j]); }
            if (best < 0) break;
            taken[best] = 1;
            PyObject *phrase = PyList_GET_ITEM(phrases, best);
            if (phrase == Py_None) continue;
            int seen = 0;
            for (int q = 0; q < found && !seen; q++) {
                seen = PyObject_RichCompareBool(phrase, reasons[q], Py_EQ);  /* `phrase not in reasons` */
                if (seen < 0) goto fail;
            }
            if (!seen) reasons[found++] = phrase;
        }
        PyObject *t;
        if (found) {
            t = PyTuple_New(found);
            if (!t) goto fail;
            for (int q = 0; q < found; q++) { Py_INCREF(reasons[q]); PyTuple_SET_ITEM(t, q, reasons[q]); }
        } else {
            t = PyTuple_Pack(1, is_body ? word_body : word_chrome);
            if (!t) goto fail;
        }
        PyList_SET_ITEM(out, r, t);
    }
    PyMem_Free(taken);
    PyBuffer_Release(&view);
    return out;
fail:
    Py_XDECREF(out);
    PyMem_Free(taken);
    PyBuffer_Release(&view);
    return NULL;
}

static PyMethodDef methods[] = {
    {"top_reasons", top_reasons, METH_VARARGS, "reasons.top_reasons' picks from its phrase lists (None: a NaN)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_walk", "The line model's tree walk in C.", -1, methods};

PyMODINIT_FUNC PyInit__walk(void)
{
    if (PyType_Ready(&WalkType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    Py_INCREF(&WalkType);
    if (PyModule_AddObject(m, "Walk", (PyObject *)&WalkType) < 0) {
        Py_DECREF(&WalkType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
